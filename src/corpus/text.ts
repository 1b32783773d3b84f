/**
 * The only changes `prepare` makes to a learner text. Split files separate documents with exactly three
 * newlines and the ILM reader trims each document (../shared/spec/ilm.md, section 1), so:
 *  - CRLF and lone CR line ends become LF (a Windows export must give the same documents);
 *  - surrounding white space is removed (the reader would drop it anyway; left in, a text ending in blank
 *    lines next to the separator could create an empty document);
 *  - a run of three or more newlines inside a text becomes two (one blank line, still a paragraph break),
 *    because three in a row would cut the text into two documents.
 * Spelling, case and punctuation are the learner's data and are never touched.
 */

export interface Normalised {
  text: string;
  lineEnds: boolean;
  trimmed: boolean;
  newlineRuns: boolean;
}

const NEWLINE_RUN = /\n{3,}/g;

/** Normalise one text (see the module comment); reports which of the three changes applied. */
export function normaliseText(raw: string): Normalised {
  let text = raw;
  const lineEnds = text.indexOf('\r') >= 0;
  if (lineEnds) text = text.replace(/\r\n?/g, '\n');
  const trimmedText = text.trim();
  const trimmed = trimmedText.length !== text.length;
  text = trimmedText;
  const newlineRuns = text.indexOf('\n\n\n') >= 0;
  if (newlineRuns) text = text.replace(NEWLINE_RUN, '\n\n');
  return { text, lineEnds, trimmed, newlineRuns };
}

const SURROGATE = /[\uD800-\uDBFF]/;

/** Number of Unicode code points (what Python's len() counts), so lengths compare with pandas figures. */
export function codePoints(text: string, utf8Bytes?: number): number {
  if (utf8Bytes === text.length || !SURROGATE.test(text)) return text.length; // ASCII, or all in the BMP
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

/** The separator between documents in a split file. */
export const DOCUMENT_SEPARATOR = '\n\n\n';
