/**
 * The EMF document of a Lambda platform line (platformLine.ts). Each travels through Kinesis and the consumers
 * exactly like the function's own EMF (docs/architecture.md#lambda-platform-metrics).
 */
import type { PlatformReport } from './platformLine.ts';

export interface PlatformDocOptions {
  namespace: string;
  logGroup: string;
  timestamp: number;
}

/** The function a log group belongs to, when it is Lambda's default `/aws/lambda/<name>`. */
function functionNameOf(logGroup: string): string | undefined {
  return logGroup.startsWith('/aws/lambda/') && logGroup.length > 12 ? logGroup.slice(12) : undefined;
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
 * for the next call.
 */
interface DocumentParts {
  namespace: string;
  logGroup: string;
  /** `,"CloudWatchMetrics":[…]},"FunctionName":"orders","RequestId":` by shape: REPORT_SHAPE(init, restore) */
  report: readonly string[];
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
  parts = { namespace, logGroup, report, timeout: middle(TIMEOUT_ONLY) };
  return parts;
}

/**
 * The EMF document for a REPORT (with `timedOut` when a timeout line of the same request was seen)
 * or for a lone timeout line. Dimension: `FunctionName` for `/aws/lambda/<name>` log groups, else `LogGroup`.
 * Joined from the cached parts above; its test holds it to the document built as an object and serialised.
 * kept: saves N % of forwarder (npm run bench, Node 22)
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
    ',"Invocations":1,"Duration":', r.durationMs, ',"BilledDuration":', r.billedDurationMs, ',"MemorySize":', r.memorySizeMB, ',"MaxMemoryUsed":', r.maxMemoryUsedMB,
    init || restore ? ',"ColdStart":1' : ',"ColdStart":0', errors ? ',"Errors":1' : ',"Errors":0', timedOut ? ',"Timeouts":1' : ',"Timeouts":0',
    init ? `,"InitDuration":${r.initDurationMs}` : '', restore ? `,"RestoreDuration":${r.restoreDurationMs}` : '', '}',
  ].join('');
}
const HEAD = '{"_aws":{"Timestamp":';
