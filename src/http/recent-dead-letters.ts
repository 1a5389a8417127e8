import { isUtf8 } from 'node:buffer';
import type { DeadLetters } from '../dead-letters/dead-letter';
import type { Position } from '../sources/source';
import { Ring } from './ring';

/** Dead letters the dashboard lists: the latest few are what an operator looks at first. */
const KEPT = 5;
/** Bytes of each rejected message kept for the dashboard: enough to recognise it, bounded whatever arrives. */
const RAW_BYTES = 240;

/** A dead letter as the dashboard shows it: the message's first bytes only. */
export interface RecentDeadLetter {
  /** When it was rejected (Unix ms). */
  readonly time: number;
  readonly reason: string;
  readonly detail: string;
  readonly position: Position;
  /** The message's first bytes as text, or as base64 when they are not UTF-8. */
  readonly raw: string;
  readonly rawEncoding: 'utf8' | 'base64';
  /** The message was longer than what is kept. */
  readonly truncated: boolean;
}

interface Kept {
  readonly time: number;
  readonly reason: string;
  readonly detail: string;
  readonly position: Position;
  readonly head: Buffer;
  readonly length: number;
}

/**
 * Dead letters on their way to their own output (file or topic), of which the latest few are also kept
 * here, in the job's main thread, for the dashboard. The copy is of a bounded head of each message, made
 * only for rejected messages and only when the job serves HTTP.
 */
export class RecentDeadLetters implements DeadLetters {
  private readonly kept = new Ring<Kept>(KEPT);

  constructor(private readonly inner: DeadLetters) {}

  write(reason: string, detail: string, position: Position, raw: Uint8Array): void {
    this.inner.write(reason, detail, position, raw);
    const head = Buffer.from(raw.subarray(0, RAW_BYTES));
    this.kept.push({ time: Date.now(), reason, detail, position, head, length: raw.byteLength });
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The latest dead letters, newest first. */
  latest(): RecentDeadLetter[] {
    return this.kept.toArray().reverse().map(({ head, length, ...letter }) => {
      // A cut may split a UTF-8 character: a head is judged on its complete characters.
      const truncated = length > head.length;
      const shown = truncated ? trimPartialCharacter(head) : head;
      const text = isUtf8(shown);
      return {
        ...letter,
        raw: text ? shown.toString('utf8') : head.toString('base64'),
        rawEncoding: text ? 'utf8' : 'base64',
        truncated,
      };
    });
  }
}

/** The bytes without a UTF-8 sequence cut short at their end. */
function trimPartialCharacter(bytes: Buffer): Buffer {
  // A sequence is at most 4 bytes: look back at most 3 for its lead byte.
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}
