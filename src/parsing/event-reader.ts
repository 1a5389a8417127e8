import { partitionOfKey } from '../hashing/murmur2';
import { createParsedEvent, parseEvent } from './event';
import type { RejectReason } from './reasons';
import { createScannedEvent, scanEvent } from './scan';

/**
 * Reads one message at a time into reused fields: the scanning fast path for the common shape (ASCII
 * client_id, fields in the usual order), the full parser for everything else and for every reject.
 * Nothing is allocated per event on the fast path.
 */
export class EventReader {
  readonly scanned = createScannedEvent();
  readonly parsed = createParsedEvent();
  /** The last accepted event is in `scanned` (else in `parsed`). */
  isScanned = false;
  /** The last accepted event's timestamp, Unix ms. */
  timestamp = 0;

  /** null when the message is an event (its fields in `scanned` or `parsed`), else why it is rejected (`parsed.detail` says more). */
  read(raw: Buffer): RejectReason | null {
    if (scanEvent(raw, this.scanned)) {
      this.isScanned = true;
      this.timestamp = this.scanned.timestamp;
      return null;
    }
    this.isScanned = false;
    const reason = parseEvent(raw, this.parsed);
    if (reason === null) this.timestamp = this.parsed.timestamp;
    return reason;
  }

  /** The partition Kafka's default partitioner gives the last event's client_id among `partitionCount`. */
  partitionOf(partitionCount: number): number {
    const { scanned, parsed } = this;
    return this.isScanned
      ? partitionOfKey(scanned.bytes, partitionCount, scanned.clientStart, scanned.clientEnd)
      : partitionOfKey(Buffer.from(parsed.clientId), partitionCount);
  }
}
