const CLIENT_ID_FIELD = Buffer.from('"client_id"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/**
 * The client_id of a message as its Kafka key, so all of a client's events go to one partition, in
 * order. The fast path reads the bytes between the quotes without parsing; a value with escapes,
 * or odd layout, is parsed. Null when the message has no string client_id.
 */
export function clientKeyOf(message: Buffer): Buffer | null {
  return rawClientIdOf(message) ?? parsedClientIdOf(message);
}

function rawClientIdOf(message: Buffer): Buffer | null {
  const field = message.indexOf(CLIENT_ID_FIELD);
  if (field === -1) return null;
  let at = afterSpaces(message, field + CLIENT_ID_FIELD.byteLength);
  if (message[at] !== COLON) return null;
  at = afterSpaces(message, at + 1);
  if (message[at] !== QUOTE) return null;
  const end = message.indexOf(QUOTE, at + 1);
  if (end === -1) return null;
  const value = message.subarray(at + 1, end);
  return value.includes(BACKSLASH) ? null : value;
}

function parsedClientIdOf(message: Buffer): Buffer | null {
  try {
    const clientId: unknown = JSON.parse(message.toString('utf8'))?.client_id;
    return typeof clientId === 'string' ? Buffer.from(clientId) : null;
  } catch {
    return null;
  }
}

/** Index of the first byte at or after `at` that is not JSON whitespace. */
function afterSpaces(message: Buffer, at: number): number {
  while (message[at] === 0x20 || message[at] === 0x09 || message[at] === 0x0a || message[at] === 0x0d) at++;
  return at;
}
