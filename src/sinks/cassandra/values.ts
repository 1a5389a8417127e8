/**
 * Values in their CQL wire form (native protocol: bigint and int big-endian, text UTF-8). The driver
 * sends a Buffer parameter as the value's bytes as they are (`Encoder.encode`), which spares each of a
 * window's tens of thousands of rows the per-value type lookup and Long conversion; values a window
 * repeats (its times, buckets, topics, pages) are serialized once.
 */
export function bigintValue(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeBigInt64BE(BigInt(value));
  return bytes;
}

function intBytes(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeInt32BE(value);
  return bytes;
}

/** Most visit and visitor counts are small: their bytes are shared, never written to after this. */
const SMALL_INTS = Array.from({ length: 256 }, (_, value) => intBytes(value));

export function intValue(value: number): Buffer {
  return value >= 0 && value < SMALL_INTS.length ? SMALL_INTS[value] : intBytes(value);
}

export function textValue(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** Text values of one window: a topic or page recurs in many of its rows and is encoded once. */
export class TextValues {
  private readonly encoded = new Map<string, Buffer>();

  of(text: string): Buffer {
    let bytes = this.encoded.get(text);
    if (bytes === undefined) this.encoded.set(text, (bytes = textValue(text)));
    return bytes;
  }
}
