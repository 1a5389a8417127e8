import { isUtf8 } from 'node:buffer';
import type { Position } from '../sources/source';

/** Where rejected messages go: one JSON line each with reason, position and the raw message. */
export interface DeadLetters {
  write(reason: string, detail: string, position: Position, raw: Uint8Array): void;
  close(): Promise<void>;
}

/** The dead letter as one JSON object: reason, detail, position and the raw message. */
export function deadLetterOf(reason: string, detail: string, position: Position, raw: Uint8Array): string {
  return JSON.stringify({ reason, detail, position, ...rawField(raw) });
}

/** The raw message as text when it is valid UTF-8, else as base64. */
function rawField(raw: Uint8Array): { raw: string } | { raw_base64: string } {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return isUtf8(bytes) ? { raw: bytes.toString('utf8') } : { raw_base64: bytes.toString('base64') };
}
