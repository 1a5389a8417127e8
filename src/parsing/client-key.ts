import { createParsedEvent, parseEvent } from './event';
import { createScannedEvent, scanEvent } from './scan';

const scanned = createScannedEvent();
const parsed = createParsedEvent();

/** What the job reads of a message it accepts: its client, as a Kafka key, and its event time. */
export interface ClientEvent {
  readonly key: Buffer;
  /** Unix ms. */
  readonly timestamp: number;
}

/**
 * The client_id of a message as its Kafka key, so all of a client's events go to one partition, in
 * order. It is the client_id the job itself reads — with duplicate keys the last one, as the job's
 * parser keeps it — because distinct-client counts add up across partitions only if a client lives
 * in one. Null when the job would reject the message: then no client owns it.
 */
export function clientKeyOf(message: Buffer): Buffer | null {
  return clientEventOf(message)?.key ?? null;
}

/** clientKeyOf with the event's time, which the re-keying stage (--repartition) orders events by. */
export function clientEventOf(message: Buffer): ClientEvent | null {
  if (scanEvent(message, scanned)) {
    return { key: Buffer.from(scanned.bytes.subarray(scanned.clientStart, scanned.clientEnd)), timestamp: scanned.timestamp };
  }
  return parseEvent(message, parsed) === null ? { key: Buffer.from(parsed.clientId, 'utf8'), timestamp: parsed.timestamp } : null;
}
