'use strict';
// A bench's figures: medians, and results as a Markdown table on stdout, so they paste into docs as they are.

/** n with thousands separators, or a dash for none. */
function formatNumber(n, digits = 0) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en', { maximumFractionDigits: digits });
}

/** One line per row of cells under `header`, each column as wide as its widest cell. */
function printTable(header, lines) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const print = (cells) => console.log(`| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`);
  print(header);
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  lines.forEach(print);
}

/** The median of numbers (the upper one of an even count). */
function median(values) {
  return [...values].sort((a, b) => a - b)[values.length >> 1];
}

module.exports = { formatNumber, median, printTable };
