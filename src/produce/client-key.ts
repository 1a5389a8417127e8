import { createParsedEvent, parseEvent } from '../parsing/event';
import { createScannedEvent, scanEvent } from '../parsing/scan';

const scanned = createScannedEvent();
const parsed = createParsedEvent();

/**
 * The client_id of a message as its Kafka key, so all of a client's events go to one partition, in
 * order. It is the client_id the job itself reads — with duplicate keys the last one, as the job's
 * parser keeps it — because distinct-client counts add up across partitions only if a client lives
 * in one. Null when the job would reject the message: then no client owns it.
 */
export function clientKeyOf(message: Buffer): Buffer | null {
  if (scanEvent(message, scanned)) return Buffer.from(scanned.bytes.subarray(scanned.clientStart, scanned.clientEnd));
  return parseEvent(message, parsed) === null ? Buffer.from(parsed.clientId, 'utf8') : null;
}
