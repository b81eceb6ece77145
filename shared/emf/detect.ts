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
 * Most lines are not EMF: they are rejected by one search for `"_aws` without any JSON
 * parsing. The quote matters: a JSON key is always quoted (inside an escaped JSON string too: `\"_aws\"` holds
 * `"_aws`), while `util.inspect` output such as `{ _awsRegion: 'x' }` is not JSON and stays a plain line.
 */
import { validateEmf } from './validate.ts';
import { EMF_LIMITS } from './constants.ts';

export type Detection =
  | { kind: 'plain' }
  | { kind: 'emf'; text: string; doc: Record<string, unknown> }
  | { kind: 'invalid'; reason: string; detail: string };

const PLAIN: Detection = Object.freeze({ kind: 'plain' });

/** The metadata Lambda runtimes write before a log message (see the module comment). */
const LAMBDA_PREFIX = /^(?:\[[A-Za-z]+\]\t)?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\t[^\t\n]*\t(?:[A-Za-z]+[\t\n])?$/;

export function detectEmf(message: string): Detection {
  const aws = message.indexOf('"_aws');
  if (aws < 0) return PLAIN;
  const brace = message.indexOf('{');
  if (brace < 0 || brace > aws) return PLAIN;
  const prefix = message.slice(0, brace);
  const blankPrefix = prefix.trim() === '';
  if (!blankPrefix && !LAMBDA_PREFIX.test(prefix)) {
    return { kind: 'invalid', reason: 'prefix_unrecognised', detail: `text before the JSON is not a Lambda log prefix: ${JSON.stringify(prefix.slice(0, 80))}` };
  }
  return fromJsonText(message.slice(brace).trimEnd(), blankPrefix);
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
    if (message.indexOf('"_aws') < 0) return PLAIN;
    const brace = message.indexOf('{');
    if (brace < 0 || message.slice(0, brace).trim() !== '') return PLAIN;
    return fromJsonText(message.slice(brace).trimEnd(), false);
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
