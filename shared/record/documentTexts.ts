/**
 * Recovers the exact text of each document of a record (format v1), as the forwarder inserted it:
 * for archiving, and to prove that a record is lossless. Consumers use `decodeRecord` instead.
 *
 * A minimal JSON scanner: it finds where each value starts and ends without building it. The record
 * is first checked by `decodeRecord`, so the scanner only walks JSON that is known to be valid.
 */
import { parseRecordText, recordText } from './format.ts';

export function recordDocumentTexts(data: Uint8Array, opts: { maxBytes?: number } = {}): string[] {
  // Decompressed once: checked as `decodeRecord` checks it, then scanned.
  const json = recordText(data, opts);
  const record = parseRecordText(json);
  const texts: string[] = [];
  forEachMember(json, skipSpace(json, 0), (key, start) => {
    if (key !== 'documents') return;
    let i = skipSpace(json, start + 1); // past '['
    while (json[i] !== ']') {
      forEachMember(json, i, (docKey, valueStart, valueEnd) => {
        if (docKey === 'emf') texts.push(json.slice(valueStart, valueEnd));
      });
      i = skipSpace(json, valueEnd(json, i));
      if (json[i] === ',') i = skipSpace(json, i + 1);
    }
  });
  if (texts.length !== record.documents.length) throw new Error('record documents and texts disagree');
  return texts;
}

/** Calls `visit(key, valueStart, valueEnd)` for each member of the object starting at `i`. */
function forEachMember(s: string, i: number, visit: (key: string, start: number, end: number) => void): void {
  i = skipSpace(s, i + 1); // past '{'
  while (s[i] !== '}') {
    const keyEnd = valueEnd(s, i);
    const key = JSON.parse(s.slice(i, keyEnd)) as string;
    const start = skipSpace(s, skipSpace(s, keyEnd) + 1); // past ':'
    const end = valueEnd(s, start);
    visit(key, start, end);
    i = skipSpace(s, end);
    if (s[i] === ',') i = skipSpace(s, i + 1);
  }
}

/** The index just past the JSON value starting at `i`. */
function valueEnd(s: string, i: number): number {
  const c = s[i];
  if (c === '"') {
    for (let j = i + 1; ; j++) {
      if (s[j] === '\\') j++;
      else if (s[j] === '"') return j + 1;
    }
  }
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; ; j++) {
      const d = s[j];
      if (d === '"') j = valueEnd(s, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        if (--depth === 0) return j + 1;
      }
    }
  }
  let j = i;
  while (j < s.length && !',}] \t\n\r'.includes(s[j]!)) j++;
  return j;
}

function skipSpace(s: string, i: number): number {
  while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r') i++;
  return i;
}
