/**
 * A small HTML table for a notebook's output (`showHtml`): a header row, then rows of strings and numbers
 * (whole numbers as they are, others to three decimals), every cell escaped.
 */
import { escapeHtml } from './html';

export function tableHtml(header: string[], rows: Array<Array<string | number>>): string {
  const cell = (v: string | number) => escapeHtml(typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v);
  return (
    '<table style="border-collapse:collapse;font-size:13px"><thead><tr>' + header.map((h) => `<th style="text-align:left;padding:2px 10px;border-bottom:1px solid #999">${escapeHtml(h)}</th>`).join('') +
    '</tr></thead><tbody>' + rows.map((r) => '<tr>' + r.map((v) => `<td style="padding:2px 10px">${cell(v)}</td>`).join('') + '</tr>').join('') + '</tbody></table>'
  );
}
