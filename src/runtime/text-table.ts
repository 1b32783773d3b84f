/**
 * Plain-text tables for the terminal: every column as wide as its widest cell, text columns (the first
 * `textColumns`) aligned left and number columns right, two spaces apart, so that columns line up whatever
 * the lengths of names and numbers.
 */
export function textTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, textColumns = 1): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    widths.map((w, c) => (c < textColumns ? (cells[c] ?? '').padEnd(w) : (cells[c] ?? '').padStart(w))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
