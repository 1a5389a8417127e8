import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { Position } from '../sources/source';
import type { KafkaConnection } from '../kafka/connection';

/** Where rejected messages go (SPEC §2, §4): one JSON line each with reason, position and the raw message. */
export interface DeadLetters {
  write(reason: string, detail: string, position: Position, raw: Uint8Array): void;
  close(): Promise<void>;
}

/** Dead letters go to a file, or with Kafka optionally to a topic. */
export type DeadLetterConfig =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'kafka'; readonly topic: string; readonly connection: KafkaConnection };

export function createDeadLetters(config: DeadLetterConfig): DeadLetters {
  if (config.kind === 'file') return createDeadLetterFile(config.path);
  const { createKafkaDeadLetters } = require('./kafka-dead-letters') as typeof import('./kafka-dead-letters');
  return createKafkaDeadLetters(config.connection, config.topic);
}

export const DEFAULT_DEAD_LETTER_PATH = './data/dead-letters.jsonl';

function createDeadLetterFile(path: string): DeadLetters {
  mkdirSync(dirname(path), { recursive: true });
  const out: WriteStream = createWriteStream(path, { flags: 'a' });
  let failure: Error | null = null;
  out.on('error', (error) => (failure = error));
  return {
    write(reason, detail, position, raw) {
      if (failure !== null) throw new Error(`cannot write dead letters to ${path}: ${failure.message}`);
      out.write(deadLetterOf(reason, detail, position, raw) + '\n');
    },
    close: () => new Promise((resolve, reject) => out.end(() => (failure === null ? resolve() : reject(failure)))),
  };
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
