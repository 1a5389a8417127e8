// Formatting shared by the dashboard's panels: numbers, ISO times (UTC, as everywhere on the page),
// durations, sizes, and elements built without innerHTML (names of pages are any text).

export const $ = (id) => document.getElementById(id);

const number = new Intl.NumberFormat('en');

/** A whole number with thousands separators, or – when unknown. */
export function fmt(n) {
  return n === null || n === undefined || Number.isNaN(n) ? '–' : number.format(Math.round(n));
}

/** "1 window", "2 windows". */
export function plural(n, singular, pluralForm) {
  return fmt(n) + ' ' + (n === 1 ? singular : pluralForm || singular + 's');
}

/** An instant as ISO 8601 in UTC, without milliseconds when they are zero. */
export function iso(ms) {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** A span of time, short: "850 ms", "4.2 s", "3m 5s", "2h 10m", "3,412 d". */
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  const sign = ms < 0 ? '−' : '';
  const a = Math.abs(ms);
  if (a < 1000) return sign + Math.round(a) + ' ms';
  if (a < 60_000) return sign + (a / 1000).toFixed(1) + ' s';
  if (a < 3_600_000) return sign + Math.floor(a / 60_000) + 'm ' + Math.floor((a % 60_000) / 1000) + 's';
  if (a < 172_800_000) return sign + Math.floor(a / 3_600_000) + 'h ' + Math.floor((a % 3_600_000) / 60_000) + 'm';
  return sign + fmt(a / 86_400_000) + ' d';
}

/** Bytes as MB (10^6), as memory is usually read. */
export function megabytes(bytes) {
  return bytes === null || bytes === undefined ? '–' : fmt(bytes / 1e6) + ' MB';
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A table row of one cell across `columns`, saying there is nothing to list. */
export function emptyRow(text, columns) {
  const row = el('tr');
  const cell = el('td', 'muted', text);
  cell.colSpan = columns;
  row.append(cell);
  return row;
}

/**
 * Shows `text` in the element and keeps the raw `value` in its data-value attribute (empty when
 * unknown): what a person reads, and what a test compares with /metrics.
 */
export function show(id, text, value) {
  const node = $(id);
  node.textContent = text;
  node.dataset.value = value === null || value === undefined ? '' : String(value);
}
