/**
 * Lambda platform lines → metrics ("enhanced metrics" in Datadog's words), for every provider.
 * Shapes (emf-facts.md §4):
 * - TEXT REPORT: `REPORT RequestId: <id>\tDuration: 26.73 ms\tBilled Duration: 27 ms\tMemory Size: 128 MB\tMax Memory Used: 75 MB\t[Init Duration: … ms\t][Restore Duration: … ms\t][Status: timeout|error\t[Error Type: …]]\n`
 * - classic timeout: `<ISO ts> <requestId> Task timed out after 3.07 seconds`
 * - JSON system log: `{"time":…,"type":"platform.report","record":{"requestId":…,"metrics":{"durationMs",…},"status":"success"}}`
 * Each becomes an EMF document built here, so it travels through Kinesis and the consumers exactly like
 * the function's own EMF (README: "Lambda platform metrics").
 */
import { ascii, isPlainJsonString, putAscii, putBytes, putJsonString, putNumber } from '../record/bytes.ts';
import { indexOfQuoted } from '../search.ts';
import type { DocumentText } from '../record/format.ts';

type PlatformStatus = 'success' | 'timeout' | 'error' | 'failure';

/**
 * A number as the text `String(n)` prints for it, which is also its JSON text. A report holds its measurements
 * as these texts: its document copies them as they stand, and the usual REPORT line already holds them
 * (see `parseReportOnePass`), so most numbers are never converted at all (README "Performance").
 */
type NumberText = string;

export interface PlatformReport {
  requestId: string;
  /** `JSON.stringify(requestId)` is the id between quotes, one byte per character (see `isPlainJsonString`). */
  plainRequestId: boolean;
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

const PLATFORM_STATUSES: readonly PlatformStatus[] = ['success', 'timeout', 'error', 'failure'];
/** The status constant a record or line names (the constant itself, not the string read), `success` for anything else. */
const toStatus = (s: unknown): PlatformStatus => PLATFORM_STATUSES.find((k) => k === s) ?? 'success';

/** Cheap tests first: most lines fail on their first character or one `indexOf` and are never parsed (a bare `startsWith` on every line measured twice as slow). */
export function parsePlatformLine(message: string): PlatformLine | undefined {
  if (message.charCodeAt(0) === 0x52 /* R */ && message.startsWith(REPORT_PREFIX)) return parseTextReport(message);
  if (message.indexOf('Task timed out after ') >= 0) return parseTimeout(message);
  if (message.charCodeAt(0) === 123 /* { */ && indexOfQuoted(message, 'platform.report"') >= 0) return parseJsonReport(message);
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
    plainRequestId: isPlainJsonString(requestId),
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
 * document (README "Performance").
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
    requestId: m[1]!, plainRequestId: true, durationMs: shortest(m[2]!), billedDurationMs: shortest(m[3]!),
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
    plainRequestId: isPlainJsonString(requestId),
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

/** The function a log group belongs to, when it is Lambda's default `/aws/lambda/<name>`. */
function functionNameOf(logGroup: string): string | undefined {
  return logGroup.startsWith('/aws/lambda/') && logGroup.length > 12 ? logGroup.slice(12) : undefined;
}

export interface PlatformDocOptions {
  namespace: string;
  logGroup: string;
  timestamp: number;
}

type Metric = readonly [name: string, unit: string];

const REPORT_METRICS: readonly Metric[] = [
  ['Invocations', 'Count'], ['Duration', 'Milliseconds'], ['BilledDuration', 'Milliseconds'], ['MemorySize', 'Megabytes'],
  ['MaxMemoryUsed', 'Megabytes'], ['ColdStart', 'Count'], ['Errors', 'Count'], ['Timeouts', 'Count'],
];
const INIT: Metric = ['InitDuration', 'Milliseconds'];
const RESTORE: Metric = ['RestoreDuration', 'Milliseconds'];
const TIMEOUT_ONLY: readonly Metric[] = [['Timeouts', 'Count']];

/** The `CloudWatchMetrics` text for one shape of document. */
function directive(namespace: string, dimKey: string, metrics: readonly Metric[]): string {
  return JSON.stringify([{ Namespace: namespace, Dimensions: [[dimKey]], Metrics: metrics.map(([Name, Unit]) => ({ Name, Unit })) }]);
}

/**
 * The fixed text between a document's timestamp and its request id, for each shape: a few shapes exist per
 * log group, and a batch has one log group, so they are built once per (namespace, log group) and kept
 * for the next call. As text for `platformDocument`, and as UTF-8 for `PlatformReportDocument`.
 */
interface DocumentParts {
  namespace: string;
  logGroup: string;
  /** `,"CloudWatchMetrics":[…]},"FunctionName":"orders","RequestId":` by shape: REPORT_SHAPE(init, restore) */
  report: readonly string[];
  reportBytes: readonly Uint8Array[];
  timeout: string;
}
let parts: DocumentParts | undefined;

/** Index of a REPORT document's shape: which of Init Duration and Restore Duration it has. */
const REPORT_SHAPE = (init: boolean, restore: boolean): number => (init ? 1 : 0) + (restore ? 2 : 0);

function documentParts(namespace: string, logGroup: string): DocumentParts {
  if (parts !== undefined && parts.namespace === namespace && parts.logGroup === logGroup) return parts;
  const fn = functionNameOf(logGroup);
  const dimKey = fn !== undefined ? 'FunctionName' : 'LogGroup';
  const middle = (metrics: readonly Metric[]): string =>
    `,"CloudWatchMetrics":${directive(namespace, dimKey, metrics)}},"${dimKey}":${JSON.stringify(fn ?? logGroup)},"RequestId":`;
  const report = [middle(REPORT_METRICS), middle([...REPORT_METRICS, INIT]), middle([...REPORT_METRICS, RESTORE]), middle([...REPORT_METRICS, INIT, RESTORE])];
  parts = { namespace, logGroup, report, reportBytes: report.map((t) => new Uint8Array(Buffer.from(t, 'utf8'))), timeout: middle(TIMEOUT_ONLY) };
  return parts;
}

/**
 * The EMF document for a REPORT (with `timedOut` when a timeout line of the same request was seen)
 * or for a lone timeout line. Dimension: `FunctionName` for `/aws/lambda/<name>` log groups, else `LogGroup`.
 * The forwarder writes REPORT documents with `PlatformReportDocument`, which writes these same bytes
 * straight into the record; this text is its reference (the tests hold the two to each other).
 */
export function platformDocument(line: { kind: 'report'; report: PlatformReport; timedOut: boolean } | { kind: 'timeout'; requestId: string }, opts: PlatformDocOptions): string {
  const p = documentParts(opts.namespace, opts.logGroup);
  const timestamp = String(Math.trunc(opts.timestamp));
  if (line.kind === 'timeout') {
    return [HEAD, timestamp, p.timeout, JSON.stringify(line.requestId), ',"Status":"timeout","Timeouts":1}'].join('');
  }
  const r = line.report;
  const timedOut = line.timedOut || r.status === 'timeout';
  const init = r.initDurationMs !== undefined;
  const restore = r.restoreDurationMs !== undefined;
  const errors = r.status === 'error' || r.status === 'failure';
  return [
    HEAD, timestamp, p.report[REPORT_SHAPE(init, restore)],
    JSON.stringify(r.requestId), ',"Status":"', timedOut ? 'timeout' : r.status,
    r.errorType !== undefined ? `","ErrorType":${JSON.stringify(r.errorType)}` : '"',
    DURATION, r.durationMs, BILLED, r.billedDurationMs, MEMORY_SIZE, r.memorySizeMB, MAX_MEMORY, r.maxMemoryUsedMB,
    init || restore ? ',"ColdStart":1' : ',"ColdStart":0', errors ? ',"Errors":1' : ',"Errors":0', timedOut ? ',"Timeouts":1' : ',"Timeouts":0',
    init ? `${INIT_DURATION}${r.initDurationMs}` : '', restore ? `${RESTORE_DURATION}${r.restoreDurationMs}` : '', '}',
  ].join('');
}
// The fixed text around the numbers, shared by the text above and the bytes `PlatformReportDocument` writes.
const HEAD = '{"_aws":{"Timestamp":';
const DURATION = ',"Invocations":1,"Duration":';
const BILLED = ',"BilledDuration":';
const MEMORY_SIZE = ',"MemorySize":';
const MAX_MEMORY = ',"MaxMemoryUsed":';
const INIT_DURATION = ',"InitDuration":';
const RESTORE_DURATION = ',"RestoreDuration":';

/**
 * A REPORT line's document as the forwarder packs it: it writes the bytes of `platformDocument` straight
 * into the record (constant parts as bytes, the timestamp as digits, the report's number texts and request id
 * character by character). Building the text as a string first, for the encoder to flatten and encode, measured
 * about 1.5 times the cost per REPORT line, and there is one per invocation (README "Performance").
 */
export class PlatformReportDocument implements DocumentText {
  readonly maxBytes: number;
  private readonly shape: Uint8Array;

  constructor(
    private readonly report: PlatformReport,
    private readonly timedOut: boolean,
    private readonly opts: Readonly<PlatformDocOptions>,
  ) {
    const p = documentParts(opts.namespace, opts.logGroup);
    this.shape = p.reportBytes[REPORT_SHAPE(report.initDurationMs !== undefined, report.restoreDurationMs !== undefined)]!;
    // JSON.stringify writes a UTF-16 unit as at most 6 bytes (`\u001f`); each number is at most 25 characters.
    this.maxBytes = this.shape.length + 6 * (report.requestId.length + (report.errorType?.length ?? 0)) + 512;
  }

  writeTo(out: Buffer, o: number): number {
    const r = this.report;
    const timedOut = this.timedOut || r.status === 'timeout';
    const init = r.initDurationMs;
    const restore = r.restoreDurationMs;
    o = putBytes(out, o, HEAD_BYTES);
    o = putNumber(out, o, Math.trunc(this.opts.timestamp));
    o = putBytes(out, o, this.shape);
    if (r.plainRequestId) {
      out[o] = 0x22; // "
      o = putAscii(out, o + 1, r.requestId);
      out[o++] = 0x22;
    } else {
      o = putJsonString(out, o, r.requestId);
    }
    const status = statusIndex(timedOut ? 'timeout' : r.status);
    if (r.errorType !== undefined) {
      o = putBytes(out, o, STATUS_BYTES[status]!);
      o = putBytes(out, o, ERROR_TYPE_BYTES);
      o = putJsonString(out, o, r.errorType);
      o = putBytes(out, o, DURATION_BYTES);
    } else {
      o = putBytes(out, o, STATUS_TO_DURATION_BYTES[status]!);
    }
    o = putAscii(out, o, r.durationMs);
    o = putBytes(out, o, BILLED_BYTES);
    o = putAscii(out, o, r.billedDurationMs);
    o = putBytes(out, o, MEMORY_SIZE_BYTES);
    o = putAscii(out, o, r.memorySizeMB);
    o = putBytes(out, o, MAX_MEMORY_BYTES);
    o = putAscii(out, o, r.maxMemoryUsedMB);
    o = putBytes(out, o, COUNTS_BYTES[(init !== undefined || restore !== undefined ? 4 : 0) + (r.status === 'error' || r.status === 'failure' ? 2 : 0) + (timedOut ? 1 : 0)]!);
    if (init !== undefined) {
      o = putBytes(out, o, INIT_BYTES);
      o = putAscii(out, o, init);
    }
    if (restore !== undefined) {
      o = putBytes(out, o, RESTORE_BYTES);
      o = putAscii(out, o, restore);
    }
    out[o] = 0x7d; // }
    return o + 1;
  }

  toString(): string {
    return platformDocument({ kind: 'report', report: this.report, timedOut: this.timedOut }, this.opts);
  }
}

// Constant runs are joined where they meet (one copy instead of two or three: about a tenth of the writing).
const HEAD_BYTES = ascii(HEAD);
/** A status's index in PLATFORM_STATUSES, for the arrays below. */
const statusIndex = (s: PlatformStatus): number => (s === 'success' ? 0 : s === 'timeout' ? 1 : s === 'error' ? 2 : 3);
// `"Status":"<status>"`, the closing quote left open for an ErrorType to follow.
const STATUS_BYTES = PLATFORM_STATUSES.map((s) => ascii(`,"Status":"${s}`));
const STATUS_TO_DURATION_BYTES = PLATFORM_STATUSES.map((s) => ascii(`,"Status":"${s}"${DURATION}`));
const ERROR_TYPE_BYTES = ascii('","ErrorType":');
const DURATION_BYTES = ascii(DURATION);
const BILLED_BYTES = ascii(BILLED);
const MEMORY_SIZE_BYTES = ascii(MEMORY_SIZE);
const MAX_MEMORY_BYTES = ascii(MAX_MEMORY);
/** `ColdStart`, `Errors` and `Timeouts`, at 4 × cold start + 2 × error + timed out. */
const COUNTS_BYTES = Array.from({ length: 8 }, (_, k) => ascii(`,"ColdStart":${k >> 2},"Errors":${(k >> 1) & 1},"Timeouts":${k & 1}`));
const INIT_BYTES = ascii(INIT_DURATION);
const RESTORE_BYTES = ascii(RESTORE_DURATION);
