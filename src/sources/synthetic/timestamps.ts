const SLOTS = 16; // a power of two wider than the ±3 s jitter span, so live seconds never evict each other
/** The JSON between a client id and its timestamp, stored with each timestamp to save a copy. */
const PREFIX = '","timestamp":"';
const DATE_BYTES = 11; // `YYYY-MM-DDT`
/** `","timestamp":"YYYY-MM-DDTHH:MM:SS` */
export const TIMESTAMP_FIELD_BYTES = PREFIX.length + 19;
const SECONDS_PER_DAY = 86_400;
const ZERO = 0x30;
const COLON = 0x3a;

/**
 * Formatted timestamp fields (`","timestamp":"YYYY-MM-DDTHH:MM:SS`) for recent seconds, as bytes
 * ready to copy into a message: consecutive events mostly share a handful of seconds, so each is
 * formatted once, and the date part once a day.
 */
export class TimestampCache {
  /** Slot i holds the field of second seconds[i], TIMESTAMP_FIELD_BYTES from i * TIMESTAMP_FIELD_BYTES. */
  readonly fields = new DataView(new ArrayBuffer(SLOTS * TIMESTAMP_FIELD_BYTES));
  private readonly seconds = new Float64Array(SLOTS).fill(-1);
  private day = -1;
  private readonly prefixAndDate = Buffer.from(PREFIX + '0000-00-00T', 'latin1');

  /** Where in `fields` the field of the Unix second `second` (non-negative) starts. */
  offsetOf(second: number): number {
    const slot = second & (SLOTS - 1);
    const offset = slot * TIMESTAMP_FIELD_BYTES;
    if (this.seconds[slot] !== second) {
      this.format(offset, second);
      this.seconds[slot] = second;
    }
    return offset;
  }

  private format(offset: number, second: number): void {
    const day = Math.floor(second / SECONDS_PER_DAY);
    if (day !== this.day) {
      const date = new Date(day * SECONDS_PER_DAY * 1000).toISOString();
      this.prefixAndDate.write(date, PREFIX.length, DATE_BYTES, 'latin1');
      this.day = day;
    }
    const time = offset + this.prefixAndDate.length;
    for (let i = 0; i < this.prefixAndDate.length; i++) this.fields.setUint8(offset + i, this.prefixAndDate[i]);
    const ofDay = second - day * SECONDS_PER_DAY;
    this.writeTwoDigits(time, Math.floor(ofDay / 3600));
    this.fields.setUint8(time + 2, COLON);
    this.writeTwoDigits(time + 3, Math.floor(ofDay / 60) % 60);
    this.fields.setUint8(time + 5, COLON);
    this.writeTwoDigits(time + 6, ofDay % 60);
  }

  private writeTwoDigits(at: number, value: number): void {
    this.fields.setUint8(at, ZERO + Math.floor(value / 10));
    this.fields.setUint8(at + 1, ZERO + (value % 10));
  }
}
