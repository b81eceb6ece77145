/**
 * Lambda platform lines → reports, from which the forwarder builds platform metrics ("enhanced metrics" in
 * Datadog's words) for every provider (the documents: PlatformReportDocument.ts, platformDocument.ts).
 * Shapes (emf-facts.md §4):
 * - TEXT REPORT: `REPORT RequestId: <id>\tDuration: 26.73 ms\tBilled Duration: 27 ms\tMemory Size: 128 MB\tMax Memory Used: 75 MB\t[Init Duration: … ms\t][Restore Duration: … ms\t][Status: timeout|error\t[Error Type: …]]\n`
 * - classic timeout: `<ISO ts> <requestId> Task timed out after 3.07 seconds`
 * - JSON system log: `{"time":…,"type":"platform.report","record":{"requestId":…,"metrics":{"durationMs",…},"status":"success"}}`
 */
export type PlatformStatus = 'success' | 'timeout' | 'error' | 'failure';

/**
 * A number as the text `String(n)` prints for it, which is also its JSON text. A report holds its measurements
 * as these texts: its document copies them as they stand, and the usual REPORT line already holds them
 * (see `parseReportOnePass`), so most numbers are never converted at all (docs/performance.md).
 */
type NumberText = string;

export interface PlatformReport {
  requestId: string;
  durationMs: NumberText;
  billedDurationMs: NumberText;
  memorySizeMB: NumberText;
  maxMemoryUsedMB: NumberText;
  initDurationMs?: NumberText;
  restoreDurationMs?: NumberText;
  status: PlatformStatus;
  errorType?: string;
}

export type PlatformLine =
  | { kind: 'report'; report: PlatformReport }
  | { kind: 'timeout'; requestId: string; seconds: number }
  | { kind: 'unparsable'; detail: string };

/** The text of a finite number, or undefined. */
const numberText = (n: unknown): NumberText | undefined => (typeof n === 'number' && Number.isFinite(n) ? String(n) : undefined);

const num = (re: RegExp, s: string): NumberText | undefined => {
  const m = re.exec(s);
  return m ? numberText(Number(m[1])) : undefined; // `[\d.]+` also matches "1.2.3"
};

export const PLATFORM_STATUSES: readonly PlatformStatus[] = ['success', 'timeout', 'error', 'failure'];
/** The status constant a record or line names (the constant itself, not the string read), `success` for anything else. */
const toStatus = (s: unknown): PlatformStatus => PLATFORM_STATUSES.find((k) => k === s) ?? 'success';

/** Cheap tests first: most lines fail on `startsWith` and two searches, and are never parsed. */
export function parsePlatformLine(message: string): PlatformLine | undefined {
  if (message.startsWith(REPORT_PREFIX)) return parseTextReport(message);
  if (message.indexOf('Task timed out after ') >= 0) return parseTimeout(message);
  if (message.charCodeAt(0) === 123 /* { */ && message.indexOf('"platform.report"') >= 0) return parseJsonReport(message);
  return undefined;
}

function parseTextReport(line: string): PlatformLine {
  return parseReportOnePass(line) ?? parseTextReportAnyShape(line);
}

/** Any REPORT line: each field found wherever it stands (exported for the test that holds the one-pass reading to it). */
export function parseTextReportAnyShape(line: string): PlatformLine {
  const requestId = /^REPORT RequestId: ([^\s]+)/.exec(line)?.[1] ?? '';
  // The tab matters: "Billed Duration", "Init Duration" and "Restore Duration" have a word before "Duration".
  const durationMs = num(/\tDuration: ([\d.]+) ms/, line);
  const billedDurationMs = num(/Billed Duration: ([\d.]+) ms/, line);
  const memorySizeMB = num(/Memory Size: (\d+) MB/, line);
  const maxMemoryUsedMB = num(/Max Memory Used: (\d+) MB/, line);
  if (durationMs === undefined || billedDurationMs === undefined || memorySizeMB === undefined || maxMemoryUsedMB === undefined) {
    return { kind: 'unparsable', detail: 'REPORT line lacks Duration, Billed Duration, Memory Size or Max Memory Used' };
  }
  const report: PlatformReport = {
    requestId,
    durationMs,
    billedDurationMs,
    memorySizeMB,
    maxMemoryUsedMB,
    status: toStatus(/Status: (\w+)/.exec(line)?.[1]),
  };
  const init = num(/Init Duration: ([\d.]+) ms/, line);
  if (init !== undefined) report.initDurationMs = init;
  const restore = num(/Restore Duration: ([\d.]+) ms/, line);
  if (restore !== undefined) report.restoreDurationMs = restore;
  const errorType = /Error Type: ([^\t\n]+)/.exec(line)?.[1]?.trim();
  if (errorType) report.errorType = errorType;
  return { kind: 'report', report };
}

/**
 * One REPORT per invocation makes this the forwarder's most frequent platform line. Lines of the layout
 * Lambda writes are read by one regular expression, in one pass, instead of the eight (each over the whole
 * line) of `parseTextReportAnyShape` (measured: about a third less time per line; a reader written by hand,
 * character by character, measured a half slower than this expression):
 *
 *   REPORT RequestId: <id>\tDuration: <n> ms\tBilled Duration: <n> ms\tMemory Size: <n> MB\t
 *   Max Memory Used: <n> MB\t[Init Duration: <n> ms\t][Restore Duration: <n> ms\t[Billed Restore Duration: <n> ms\t]]
 *   [Status: <status>\t[Error Type: <text>]]<rest>
 *
 * where each `<n>` of milliseconds is a decimal of up to 13 digits before its point and one or two after it,
 * and each `<n>` of megabytes up to 13 digits (neither with a leading zero): what Lambda prints. Spaces may
 * stand before each tab, and a newline or the end of the line may take its place. Any other line returns
 * undefined and goes to `parseTextReportAnyShape`. The two agree on every line read here: the id is letters,
 * digits, `-` and `_`, so no field label can hide in it, and neither the error type nor `<rest>` (X-Ray's
 * `XRAY TraceId: …`, say) may hold a label, so "the first match in the line" of each of those expressions is
 * the field read here.
 *
 * The numbers are kept as the line prints them, as `NumberText`s, less the trailing zeros of a fraction
 * (`3000.00` → `3000`, `26.70` → `26.7`). That is `String(Number(text))`: a decimal of at most 15 significant
 * digits is the shortest text of the double `Number` reads it as, and `String` writes the shortest text
 * (ECMAScript Number::toString; no exponent from 1e-6 up to 1e21). A property test holds the two equal.
 * Reading them with `Number` and writing them back with `String` was a third of the cost of a REPORT line's
 * document (docs/performance.md).
 * kept: saves 8 % of forwarder (npm run bench, Node 22)
 */
const END = String.raw` *(?:\t|(?=\n)|$)`;
const MS = String.raw`((?:0|[1-9]\d{0,12})(?:\.\d\d?)?) ms${END}`;
const MB = String.raw`(0|[1-9]\d{0,12}) MB${END}`;
const CANONICAL_REPORT = new RegExp(
  String.raw`^REPORT RequestId: ([\w-]+)\tDuration: ${MS}Billed Duration: ${MS}Memory Size: ${MB}Max Memory Used: ${MB}` +
  String.raw`(?:Init Duration: ${MS})?(?:Restore Duration: ${MS}(?:Billed Restore Duration: [\d.]+ ms${END})?)?` +
  String.raw`(?:Status: (${PLATFORM_STATUSES.join('|')})(?!\w)${END}(?:Error Type: ([^\t\n]+))?)?`,
);

/** `String(Number(t))` for a decimal `t` the expression above reads: without the trailing zeros of its fraction. */
function shortest(t: string): NumberText {
  if (t.charCodeAt(t.length - 1) !== 0x30 /* 0 */ || t.indexOf('.') < 0) return t;
  let end = t.length - 1;
  while (t.charCodeAt(end - 1) === 0x30) end--;
  if (t.charCodeAt(end - 1) === 0x2e /* . */) end--;
  return t.slice(0, end);
}

/** The constant of a status the expression above read: the four differ in their first letter. */
function statusRead(s: string | undefined): PlatformStatus {
  if (s === undefined) return 'success';
  const c = s.charCodeAt(0);
  return c === 0x74 /* t */ ? 'timeout' : c === 0x65 /* e */ ? 'error' : c === 0x66 /* f */ ? 'failure' : 'success';
}

export function parseReportOnePass(line: string): PlatformLine | undefined {
  const m = CANONICAL_REPORT.exec(line);
  if (m === null) return undefined;
  const errorText = m[9];
  if (hasLabel(line, errorText === undefined ? m[0].length : m[0].length - errorText.length)) return undefined;
  const report: PlatformReport = {
    requestId: m[1]!, durationMs: shortest(m[2]!), billedDurationMs: shortest(m[3]!),
    memorySizeMB: m[4]!, maxMemoryUsedMB: m[5]!, status: statusRead(m[8]),
  };
  if (m[6] !== undefined) report.initDurationMs = shortest(m[6]);
  if (m[7] !== undefined) report.restoreDurationMs = shortest(m[7]);
  const errorType = errorText?.trim();
  if (errorType) report.errorType = errorType;
  return { kind: 'report', report };
}

const REPORT_PREFIX = 'REPORT RequestId: ';
/** Every label that `parseTextReportAnyShape`'s regular expressions look for contains one of these. */
const LABELS = ['Duration: ', 'Memory Size: ', 'Max Memory Used: ', 'Status: ', 'Error Type: '];

/** The shortest of LABELS. */
const SHORTEST_LABEL = Math.min(...LABELS.map((l) => l.length));

function hasLabel(line: string, from: number): boolean {
  // Most REPORT lines end in `\t\n` right after what the expression read.
  if (line.length - from < SHORTEST_LABEL || line.indexOf(': ', from) < 0) return false;
  for (let k = 0; k < LABELS.length; k++) if (line.indexOf(LABELS[k]!, from) >= 0) return true;
  return false;
}

function parseTimeout(line: string): PlatformLine | undefined {
  const m = /^(?:\S+[ \t]+(\S+)[ \t]+)?Task timed out after ([\d.]+) seconds/.exec(line.trimStart());
  if (!m) return undefined; // "Task timed out after" in the middle of an application's own message
  return { kind: 'timeout', requestId: m[1] ?? '', seconds: Number(m[2]) };
}

function parseJsonReport(line: string): PlatformLine | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { kind: 'unparsable', detail: 'platform.report line is not valid JSON' };
  }
  const o = parsed as { type?: unknown; record?: { requestId?: unknown; metrics?: Record<string, unknown>; status?: unknown; errorType?: unknown } };
  if (o?.type !== 'platform.report') return undefined;
  const m = o.record?.metrics;
  const n = (k: string) => numberText(m?.[k]);
  const durationMs = n('durationMs');
  const billedDurationMs = n('billedDurationMs');
  const memorySizeMB = n('memorySizeMB');
  const maxMemoryUsedMB = n('maxMemoryUsedMB');
  if (durationMs === undefined || billedDurationMs === undefined || memorySizeMB === undefined || maxMemoryUsedMB === undefined) {
    return { kind: 'unparsable', detail: 'platform.report record lacks durationMs, billedDurationMs, memorySizeMB or maxMemoryUsedMB' };
  }
  const requestId = typeof o.record?.requestId === 'string' ? o.record.requestId : '';
  const report: PlatformReport = {
    requestId,
    durationMs,
    billedDurationMs,
    memorySizeMB,
    maxMemoryUsedMB,
    status: toStatus(o.record?.status),
  };
  const init = n('initDurationMs');
  if (init !== undefined) report.initDurationMs = init;
  const restore = n('restoreDurationMs');
  if (restore !== undefined) report.restoreDurationMs = restore;
  if (typeof o.record?.errorType === 'string') report.errorType = o.record.errorType;
  return { kind: 'report', report };
}
