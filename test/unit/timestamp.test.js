'use strict';
const { test } = require('uvu');
const assert = require('uvu/assert');
const { parseTimestamp, timestampProblem } = require('../../dist/parsing/timestamp');

const MINUTE = 60_000;

/** Unix ms of a UTC instant in any year 0..9999 (Date.UTC maps years 0..99 to 1900..1999). */
function utc(year, month, day, hour = 0, minute = 0, second = 0, ms = 0) {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year);
  return date.getTime();
}

function assertInvalid(text, problem) {
  const ms = parseTimestamp(text);
  assert.ok(Number.isNaN(ms), `${JSON.stringify(text)} should be invalid, got ${ms}`);
  if (problem !== undefined) assert.is(timestampProblem(), problem, JSON.stringify(text));
}

const FORM = 'is not of the form YYYY-MM-DDTHH:MM:SS[.fffffffff][Z|±HH:MM]';
const NOT_A_DATE = 'is not a calendar date';
const NOT_A_TIME = 'is not a time of day';
const BAD_OFFSET = 'has an offset beyond ±23:59';

test('plain timestamp without offset is UTC', () => {
  assert.is(parseTimestamp('2017-01-25T14:03:32'), Date.UTC(2017, 0, 25, 14, 3, 32));
  assert.is(parseTimestamp('1970-01-01T00:00:00'), 0);
});

test('fractions of 1, 2, 3, 4 and 9 digits are truncated to ms', () => {
  const base = Date.UTC(2017, 0, 25, 14, 3, 32);
  assert.is(parseTimestamp('2017-01-25T14:03:32.5'), base + 500);
  assert.is(parseTimestamp('2017-01-25T14:03:32.07'), base + 70);
  assert.is(parseTimestamp('2017-01-25T14:03:32.123'), base + 123);
  assert.is(parseTimestamp('2017-01-25T14:03:32.9999'), base + 999);
  assert.is(parseTimestamp('2017-01-25T14:03:32.123456789'), base + 123);
  assert.is(parseTimestamp('2017-01-25T14:03:32.000000001'), base);
});

test('Z and numeric offsets', () => {
  const base = Date.UTC(2017, 0, 25, 14, 3, 32);
  assert.is(parseTimestamp('2017-01-25T14:03:32Z'), base);
  assert.is(parseTimestamp('2017-01-25T14:03:32+00:00'), base);
  assert.is(parseTimestamp('2017-01-25T14:03:32-00:00'), base);
  assert.is(parseTimestamp('2017-01-25T14:03:32+05:30'), Date.UTC(2017, 0, 25, 8, 33, 32));
  assert.is(parseTimestamp('2017-01-25T14:03:32-08:00'), Date.UTC(2017, 0, 25, 22, 3, 32));
  assert.is(parseTimestamp('2017-01-25T14:03:32.250+05:30'), Date.UTC(2017, 0, 25, 8, 33, 32, 250));
  assert.is(parseTimestamp('2017-01-25T14:03:32.250Z'), base + 250);
  assert.is(parseTimestamp('2017-01-01T00:30:00+01:00'), Date.UTC(2016, 11, 31, 23, 30, 0));
  assert.is(parseTimestamp('2017-01-25T00:00:00+23:59'), Date.UTC(2017, 0, 25) - (23 * 60 + 59) * MINUTE);
  assert.is(parseTimestamp('2017-01-25T00:00:00-23:59'), Date.UTC(2017, 0, 25) + (23 * 60 + 59) * MINUTE);
});

test('offset hours above 23 or minutes above 59 are rejected', () => {
  assertInvalid('2017-01-25T14:03:32+24:00', BAD_OFFSET);
  assertInvalid('2017-01-25T14:03:32-05:60', BAD_OFFSET);
  assertInvalid('2017-01-25T14:03:32+99:99', BAD_OFFSET);
});

test('leap days follow the Gregorian rules', () => {
  assert.is(parseTimestamp('2016-02-29T12:00:00'), Date.UTC(2016, 1, 29, 12));
  assert.is(parseTimestamp('2000-02-29T00:00:00'), Date.UTC(2000, 1, 29));
  assertInvalid('2017-02-29T00:00:00', NOT_A_DATE);
  assertInvalid('1900-02-29T00:00:00', NOT_A_DATE);
  assertInvalid('2100-02-29T00:00:00', NOT_A_DATE);
});

test('impossible dates are rejected', () => {
  assertInvalid('2017-02-30T00:00:00', NOT_A_DATE);
  assertInvalid('2017-04-31T00:00:00', NOT_A_DATE);
  assertInvalid('2017-13-01T00:00:00', NOT_A_DATE);
  assertInvalid('2017-00-10T00:00:00', NOT_A_DATE);
  assertInvalid('2017-01-00T00:00:00', NOT_A_DATE);
  assertInvalid('2017-01-32T00:00:00', NOT_A_DATE);
  assert.is(parseTimestamp('2017-04-30T00:00:00'), Date.UTC(2017, 3, 30));
  assert.is(parseTimestamp('2017-12-31T23:59:59.999'), Date.UTC(2017, 11, 31, 23, 59, 59, 999));
});

test('impossible times are rejected', () => {
  assertInvalid('2017-01-25T24:00:00', NOT_A_TIME);
  assertInvalid('2016-12-31T23:59:60', NOT_A_TIME);
  assertInvalid('2017-01-25T23:60:00', NOT_A_TIME);
  assertInvalid('2017-01-25T25:00:00', NOT_A_TIME);
});

test('only the exact form is accepted', () => {
  for (const text of [
    '',
    'yesterday',
    '2017-01-25 14:03:32',
    '2017-01-25t14:03:32',
    '2017/01/25T14:03:32',
    '2017-01-25T14.03.32',
    '2017-01-25T14:03',
    '2017-01-25T14:03Z',
    '2017-01-25',
    '17-01-25T14:03:32',
    '2017-1-25T14:03:32',
    '2017-01-25T4:03:32',
    '2017-01-25T14:03:3',
    '2017-01-25T14:03:3a',
    '+2017-01-25T14:03:32',
    ' 2017-01-25T14:03:32',
    '2017-01-25T14:03:32 ',
    '2017-01-25T14:03:32.',
    '2017-01-25T14:03:32.1234567890',
    '2017-01-25T14:03:32,5',
    '2017-01-25T14:03:32z',
    '2017-01-25T14:03:32ZZ',
    '2017-01-25T14:03:32Z+01:00',
    '2017-01-25T14:03:32+0530',
    '2017-01-25T14:03:32+5:30',
    '2017-01-25T14:03:32+05:30:00',
    '2017-01-25T14:03:32+05',
    '2017-01-25T14:03:32 +05:30',
    '２０１７-01-25T14:03:32',
  ]) {
    assertInvalid(text, FORM);
  }
});

test('years 0000 to 9999 and times before the epoch', () => {
  assert.is(parseTimestamp('1969-12-31T23:59:59'), -1000);
  assert.is(parseTimestamp('0001-01-01T00:00:00'), utc(1, 1, 1));
  assert.is(parseTimestamp('0000-02-29T00:00:00'), utc(0, 2, 29));
  assert.is(parseTimestamp('9999-12-31T23:59:59.999'), utc(9999, 12, 31, 23, 59, 59, 999));
});

test('the cached date-hour-minute prefix never hides a difference', () => {
  assert.is(parseTimestamp('2017-01-25T14:03:32'), Date.UTC(2017, 0, 25, 14, 3, 32));
  assert.is(parseTimestamp('2017-01-25T14:03:59'), Date.UTC(2017, 0, 25, 14, 3, 59));
  assert.is(parseTimestamp('2017-01-25T14:04:00'), Date.UTC(2017, 0, 25, 14, 4, 0));
  assert.is(parseTimestamp('2017-01-25T15:04:00'), Date.UTC(2017, 0, 25, 15, 4, 0));
  assert.is(parseTimestamp('2018-01-25T15:04:00'), Date.UTC(2018, 0, 25, 15, 4, 0));
  assertInvalid('2018-01-25T15:04:60', NOT_A_TIME);
  assertInvalid('2018-01-25T15:04-00', FORM);
  assert.is(parseTimestamp('2018-01-25T15:04:01-01:00'), Date.UTC(2018, 0, 25, 16, 4, 1));
  assertInvalid('2017-02-28T00:00:0x', FORM);
  assert.is(parseTimestamp('2017-02-28T00:00:00'), Date.UTC(2017, 1, 28));
  assertInvalid('2017-02-29T00:00:00', NOT_A_DATE);
  assert.is(parseTimestamp('2017-02-28T00:00:01'), Date.UTC(2017, 1, 28, 0, 0, 1));
});

test('agrees with Date over many random instants and offsets', () => {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const min = utc(1, 1, 2); // a day inside 0001..9999 so no offset leaves the range
  const max = utc(9999, 12, 30);
  for (let i = 0; i < 20_000; i++) {
    const ms = min + Math.floor(random() * (max - min));
    const offsetMinutes = Math.floor(random() * (2 * 1439 + 1)) - 1439;
    const local = new Date(ms + offsetMinutes * MINUTE).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
    const sign = offsetMinutes < 0 ? '-' : '+';
    const hh = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
    const mm = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
    const text = `${local.slice(0, 23)}${sign}${hh}:${mm}`;
    assert.is(parseTimestamp(text), ms, text);
    assert.is(parseTimestamp(local), ms + offsetMinutes * MINUTE, local);
  }
});

test.run();
