import { CLIENT_ID_DIGITS, catalogOf } from './catalog';
import { bytesOf } from './fragments';
import { profileNamed, type ProfileName } from './profiles';
import { Random } from './random';
import { SlabWriter, type PackedMessages } from './slab';
import { TIMESTAMP_FIELD_BYTES, TimestampCache } from './timestamps';

/** Deterministic stream of synthetic page-view events, one JSON message per event. */
export interface EventGenerator {
  /** How many messages were generated so far: the global index of the next one. */
  readonly generated: number;
  /** The next `count` messages. Same seed, same bytes, however the calls split the stream. */
  next(count: number): Buffer[];
  /** The same messages as `next`, packed into one transferable buffer for another thread. */
  nextPacked(count: number): PackedMessages;
}

/**
 * Event time is synthetic: it starts at this fixed instant and advances at the profile's nominal
 * rate whatever the delivery rate, so runs are reproducible and `--rate max` compresses hours of
 * event time into seconds.
 */
const EVENT_TIME_START_MS = Date.UTC(2017, 0, 25, 14, 0, 0);
/** Each timestamp is up to this many whole seconds off its ideal second: disorder within the default 10 s lateness. */
const JITTER_SECONDS = 3;

const CLIENT_PREFIX = bytesOf('{"client_id":"');
const CLIENT_PREFIX_BYTES = CLIENT_PREFIX.byteLength; // a DataView's byteLength getter is a call in optimized code
const SLAB_BYTES = 1 << 20;
const STEP = 4096;

export function createGenerator(profileName: ProfileName, seed: number): EventGenerator {
  const profile = profileNamed(profileName);
  const { clientIds, pageTails, clients, pages } = catalogOf(profile);
  const random = new Random(seed);
  const timestamps = new TimestampCache();
  const longestMessage = CLIENT_PREFIX_BYTES + CLIENT_ID_DIGITS + TIMESTAMP_FIELD_BYTES + pageTails.longest;
  const slab = new SlabWriter(Math.max(SLAB_BYTES, longestMessage));
  // Choices are drawn for a whole step before any bytes are copied, so the copies' cache misses
  // on the large client table do not wait on one another.
  const clientOf = new Uint32Array(STEP);
  const pageOf = new Uint32Array(STEP);
  const secondOf = new Float64Array(STEP);
  let generated = 0;

  function draw(count: number): void {
    for (let k = 0; k < count; k++) {
      // Always three draws per event, in this order: the stream depends on the event index alone.
      clientOf[k] = clients.sample(random);
      pageOf[k] = pages.sample(random);
      const jitter = random.below(2 * JITTER_SECONDS + 1) - JITTER_SECONDS;
      secondOf[k] = Math.floor((EVENT_TIME_START_MS + (generated + k) * profile.intervalMs) / 1000) + jitter;
    }
  }

  /** Appends the drawn messages to `target`, each cut out into `messages` or its end marked in `ends`. */
  function write(target: SlabWriter, count: number, messages: Buffer[] | null, ends: Uint32Array | null, at: number): void {
    for (let k = 0; k < count; k++) {
      const client = clientOf[k] * CLIENT_ID_DIGITS;
      const page = pageOf[k];
      const timestamp = timestamps.offsetOf(secondOf[k]);
      target.reserve(longestMessage);
      target.append(CLIENT_PREFIX, 0, CLIENT_PREFIX_BYTES);
      target.append(clientIds, client, client + CLIENT_ID_DIGITS);
      target.append(timestamps.fields, timestamp, timestamp + TIMESTAMP_FIELD_BYTES);
      target.append(pageTails.bytes, pageTails.starts[page], pageTails.starts[page + 1]);
      if (messages !== null) messages.push(target.cut());
      else ends![at + k] = target.mark();
    }
  }

  /** The next `count` events, drawn and written a step at a time (see write). */
  function generate(count: number, target: SlabWriter, messages: Buffer[] | null, ends: Uint32Array | null): void {
    for (let done = 0; done < count; ) {
      const step = Math.min(STEP, count - done);
      draw(step);
      write(target, step, messages, ends, done);
      generated += step;
      done += step;
    }
  }

  function checkCount(count: number): void {
    if (!(Number.isSafeInteger(count) && count >= 0)) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  }

  return {
    get generated() {
      return generated;
    },
    next(count) {
      checkCount(count);
      const messages: Buffer[] = [];
      generate(count, slab, messages, null);
      return messages;
    },
    nextPacked(count) {
      checkCount(count);
      // Room for `count` of the longest message: reserve never moves this writer to a fresh slab.
      const packed = new SlabWriter(Math.max(1, count * longestMessage));
      const ends = new Uint32Array(count);
      generate(count, packed, null, ends);
      return { memory: packed.written, ends };
    },
  };
}
