/** What separates the parts of a live progress line. */
export const SEPARATOR = ' | ';

/**
 * The parts joined into one line that fits `columns` terminal cells, leaving the last one free (some
 * terminals wrap as soon as it is written): the parts that come first are kept whole, and the first
 * that does not fit ends the line. A line that wraps cannot be redrawn in place: each redraw would
 * leave its first rows behind. Without a width (not a terminal) every part is kept. The parts are
 * ASCII, one cell a character.
 */
export function fitLine(parts: readonly string[], columns: number | undefined): string {
  const line = parts.join(SEPARATOR);
  if (columns === undefined || columns <= 0) return line;
  const room = Math.max(1, columns - 1);
  if (line.length <= room) return line;
  let fitted = parts[0] ?? '';
  if (fitted.length > room) return fitted.slice(0, room);
  for (const part of parts.slice(1)) {
    if (fitted.length + SEPARATOR.length + part.length > room) break;
    fitted += SEPARATOR + part;
  }
  return fitted;
}
