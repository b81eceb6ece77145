/**
 * Finds an EMF document in a log event's message, the way CloudWatch accepts it plus the shapes
 * Lambda runtimes wrap it in:
 * - bare JSON: `{"_aws":…}`
 * - behind a Lambda text prefix: Node `<ISO ts>\t<requestId>\t<LEVEL>\t{…}`, Python
 *   `[LEVEL]\t<ISO ts>\t<requestId>\t{…}`, .NET `<ISO ts>\t<requestId>\t<level>\n{…}`
 * - inside a Lambda JSON-log-format line whose `message` is the EMF object or its JSON string
 *   (what an old library that calls console.log writes under `AWS_LAMBDA_LOG_FORMAT=JSON`;
 *   CloudWatch itself does not extract those, we do so the metrics are not lost).
 *
 * Most lines are not EMF: they are rejected by one search for `"_aws` (`indexOfQuoted`) without any JSON
 * parsing. The quote matters: a JSON key is always quoted (inside an escaped JSON string too: `\"_aws\"` holds
 * `"_aws`), while `util.inspect` output such as `{ _awsRegion: 'x' }` is not JSON and stays a plain line.
 */
import { indexOfQuoted } from '../search.ts';
import { validateEmf } from './validate.ts';
import { EMF_LIMITS } from './constants.ts';

export type Detection =
  | { kind: 'plain' }
  | { kind: 'emf'; text: string; doc: Record<string, unknown> }
  | { kind: 'invalid'; reason: string; detail: string };

const PLAIN: Detection = Object.freeze({ kind: 'plain' });

/**
 * The metadata Lambda runtimes write before a log message (see the module comment), as a regular expression:
 *   ^(?:\[[A-Za-z]+\]\t)?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\t[^\t\n]*\t(?:[A-Za-z]+[\t\n])?$
 * `isLambdaPrefix` matches exactly that, by hand: it runs on every EMF line of a runtime's text log, and
 * reading the characters in place spares the prefix slice and the regular expression (the unit tests
 * hold the two to the same answers).
 */
function isLambdaPrefix(s: string, end: number): boolean {
  let i = 0;
  if (s.charCodeAt(0) === 0x5b /* [ */) {
    i = skipLetters(s, 1, end);
    if (i === 1 || i >= end || s.charCodeAt(i) !== 0x5d /* ] */ || s.charCodeAt(i + 1) !== 0x09 || i + 1 >= end) return false;
    i += 2;
  }
  // yyyy-mm-ddThh:mm:ss
  if (i + 19 > end) return false;
  if (!digits(s, i, 4) || s.charCodeAt(i + 4) !== 0x2d || !digits(s, i + 5, 2) || s.charCodeAt(i + 7) !== 0x2d || !digits(s, i + 8, 2) ||
    s.charCodeAt(i + 10) !== 0x54 || !digits(s, i + 11, 2) || s.charCodeAt(i + 13) !== 0x3a || !digits(s, i + 14, 2) ||
    s.charCodeAt(i + 16) !== 0x3a || !digits(s, i + 17, 2)) return false;
  i += 19;
  if (i < end && s.charCodeAt(i) === 0x2e /* . */) {
    const from = ++i;
    while (i < end && isDigit(s.charCodeAt(i))) i++;
    if (i === from) return false;
  }
  if (i + 1 >= end || s.charCodeAt(i) !== 0x5a /* Z */ || s.charCodeAt(i + 1) !== 0x09) return false;
  i += 2;
  // [^\t\n]*\t: the request id runs to the first tab, which no newline may come before.
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 0x09) break;
    if (c === 0x0a) return false;
    i++;
  }
  if (i >= end) return false;
  i++;
  // (?:[A-Za-z]+[\t\n])?$
  if (i === end) return true;
  const letters = skipLetters(s, i, end);
  if (letters === i || letters !== end - 1) return false;
  const last = s.charCodeAt(end - 1);
  return last === 0x09 || last === 0x0a;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function digits(s: string, at: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (!isDigit(s.charCodeAt(at + k))) return false;
  return true;
}

function skipLetters(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i) | 0x20;
    if (c < 0x61 || c > 0x7a) break;
    i++;
  }
  return i;
}

/** White space as `String.prototype.trim` sees it (ECMAScript WhiteSpace and LineTerminator). */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** `s.slice(from, to).trim() === ''` without the slice. */
function isBlank(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

/** The end of `s.slice(from).trimEnd()`, as an index into `s`. */
function trimmedEnd(s: string, from: number): number {
  let end = s.length;
  while (end > from && isSpace(s.charCodeAt(end - 1))) end--;
  return end;
}

export function detectEmf(message: string): Detection {
  const aws = indexOfQuoted(message, '_aws');
  if (aws < 0) return PLAIN;
  const brace = message.indexOf('{');
  if (brace < 0 || brace > aws) return PLAIN;
  // Indexes instead of slices: one slice, the JSON text, is all a valid line costs.
  const blankPrefix = isBlank(message, 0, brace);
  if (!blankPrefix && !isLambdaPrefix(message, brace)) {
    return { kind: 'invalid', reason: 'prefix_unrecognised', detail: `text before the JSON is not a Lambda log prefix: ${JSON.stringify(message.slice(0, brace).slice(0, 80))}` };
  }
  return fromJsonText(message.slice(brace, trimmedEnd(message, brace)), blankPrefix);
}

function fromJsonText(text: string, mayBeJsonLogLine: boolean): Detection {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only long texts need their bytes counted.
  if (text.length > EMF_LIMITS.maxDocumentBytes / 3 && Buffer.byteLength(text, 'utf8') > EMF_LIMITS.maxDocumentBytes) {
    return { kind: 'invalid', reason: 'document_too_large', detail: `document is ${Buffer.byteLength(text, 'utf8')} bytes; the limit is ${EMF_LIMITS.maxDocumentBytes}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', reason: 'json_invalid', detail: (err as Error).message };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return PLAIN;
  const root = parsed as Record<string, unknown>;
  if ('_aws' in root) return checked(text, root);
  if (mayBeJsonLogLine && 'message' in root) return fromJsonLogMessage(root.message);
  return PLAIN;
}

/** The `message` of a Lambda JSON-format log line. */
function fromJsonLogMessage(message: unknown): Detection {
  if (typeof message === 'string') {
    if (indexOfQuoted(message, '_aws') < 0) return PLAIN;
    const brace = message.indexOf('{');
    if (brace < 0 || !isBlank(message, 0, brace)) return PLAIN;
    return fromJsonText(message.slice(brace, trimmedEnd(message, brace)), false);
  }
  if (typeof message === 'object' && message !== null && !Array.isArray(message) && '_aws' in message) {
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch {
      // Nested deeper than the stack allows (JSON.parse accepts far deeper than JSON.stringify writes).
      return { kind: 'invalid', reason: 'json_too_deep', detail: 'the "message" object is nested too deep to be written back as text' };
    }
    if (Buffer.byteLength(text, 'utf8') > EMF_LIMITS.maxDocumentBytes) {
      return { kind: 'invalid', reason: 'document_too_large', detail: `document is over ${EMF_LIMITS.maxDocumentBytes} bytes` };
    }
    return checked(text, message as Record<string, unknown>);
  }
  return PLAIN;
}

function checked(text: string, doc: Record<string, unknown>): Detection {
  const problem = validateEmf(doc);
  return problem ? { kind: 'invalid', ...problem } : { kind: 'emf', text, doc };
}
