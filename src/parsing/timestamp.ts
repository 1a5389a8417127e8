/**
 * Event timestamps: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of 1 to 9 digits (truncated to
 * ms), then optionally `Z` or `±HH:MM` (none means UTC). Parsed by hand because Date.parse is
 * lenient, and without allocating because every event passes through here.
 */

const ZERO = 0x30;
const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const PLUS = 0x2b;
const LETTER_T = 0x54;
const LETTER_Z = 0x5a;

const PREFIX_LENGTH = 16; // YYYY-MM-DDTHH:MM
const BASE_LENGTH = 19; // YYYY-MM-DDTHH:MM:SS
const OFFSET_LENGTH = 6; // ±HH:MM
const MAX_FRACTION_DIGITS = 9;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

const NOT_OF_THE_FORM = 'is not of the form YYYY-MM-DDTHH:MM:SS[.fffffffff][Z|±HH:MM]';
const NOT_A_DATE = 'is not a calendar date';
const NOT_A_TIME = 'is not a time of day';
const OFFSET_OUT_OF_RANGE = 'has an offset beyond ±23:59';

let problem = '';
// Consecutive events share date, hour and minute: remember the last valid prefix and its ms.
let cachedText = '';
let cachedPrefixMs = 0;

/** Unix ms of an event timestamp, or NaN when invalid (then timestampProblem() says why). */
export function parseTimestamp(text: string): number {
  const length = text.length;
  if (length < BASE_LENGTH || text.charCodeAt(16) !== COLON) return invalid(NOT_OF_THE_FORM);
  const prefixMs = sharesCachedPrefix(text) ? cachedPrefixMs : readPrefix(text);
  if (Number.isNaN(prefixMs)) return NaN;
  const second = twoDigits(text, 17);
  if (second < 0) return invalid(NOT_OF_THE_FORM);
  if (second > 59) return invalid(NOT_A_TIME);

  let index = BASE_LENGTH;
  let millis = 0;
  if (index < length && text.charCodeAt(index) === DOT) {
    const start = ++index;
    while (index < length && isDigit(text.charCodeAt(index))) index++;
    const digits = index - start;
    if (digits === 0 || digits > MAX_FRACTION_DIGITS) return invalid(NOT_OF_THE_FORM);
    millis = fractionMillis(text, start, digits);
  }
  const offsetMs = readOffset(text, index);
  return prefixMs + second * 1000 + millis - offsetMs;
}

/** Why the most recent parseTimestamp call returned NaN, e.g. "is not a calendar date". */
export function timestampProblem(): string {
  return problem;
}

function invalid(why: string): number {
  problem = why;
  return NaN;
}

function sharesCachedPrefix(text: string): boolean {
  const cached = cachedText;
  for (let i = 0; i < PREFIX_LENGTH; i++) {
    if (text.charCodeAt(i) !== cached.charCodeAt(i)) return false;
  }
  return true;
}

/** Unix ms of `YYYY-MM-DDTHH:MM` (remembered for the next call), or NaN. */
function readPrefix(text: string): number {
  if (
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    text.charCodeAt(10) !== LETTER_T ||
    text.charCodeAt(13) !== COLON
  ) {
    return invalid(NOT_OF_THE_FORM);
  }
  const century = twoDigits(text, 0);
  const yearOfCentury = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  if (century < 0 || yearOfCentury < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) {
    return invalid(NOT_OF_THE_FORM);
  }
  const year = century * 100 + yearOfCentury;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return invalid(NOT_A_DATE);
  if (hour > 23 || minute > 59) return invalid(NOT_A_TIME);
  cachedText = text;
  cachedPrefixMs = daysFromCivil(year, month, day) * MS_PER_DAY + (hour * 60 + minute) * MS_PER_MINUTE;
  return cachedPrefixMs;
}

/** Offset from UTC in ms of what follows the seconds and fraction: nothing, `Z` or `±HH:MM`. */
function readOffset(text: string, index: number): number {
  const rest = text.length - index;
  if (rest === 0) return 0;
  const sign = text.charCodeAt(index);
  if (rest === 1 && sign === LETTER_Z) return 0;
  if (rest !== OFFSET_LENGTH || (sign !== PLUS && sign !== DASH) || text.charCodeAt(index + 3) !== COLON) {
    return invalid(NOT_OF_THE_FORM);
  }
  const hours = twoDigits(text, index + 1);
  const minutes = twoDigits(text, index + 4);
  if (hours < 0 || minutes < 0) return invalid(NOT_OF_THE_FORM);
  if (hours > 23 || minutes > 59) return invalid(OFFSET_OUT_OF_RANGE);
  const offsetMs = (hours * 60 + minutes) * MS_PER_MINUTE;
  return sign === DASH ? -offsetMs : offsetMs;
}

/** The value of two decimal digits at `index`, or -1 when either is not a digit (or missing). */
function twoDigits(text: string, index: number): number {
  const tens = text.charCodeAt(index) - ZERO;
  const ones = text.charCodeAt(index + 1) - ZERO;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= ZERO + 9;
}

/** Milliseconds of a fraction of `digits` digits starting at `start`, truncated. */
function fractionMillis(text: string, start: number, digits: number): number {
  const tenths = text.charCodeAt(start) - ZERO;
  const hundredths = digits > 1 ? text.charCodeAt(start + 1) - ZERO : 0;
  const thousandths = digits > 2 ? text.charCodeAt(start + 2) - ZERO : 0;
  return tenths * 100 + hundredths * 10 + thousandths;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
