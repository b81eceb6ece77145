/**
 * The EMF document of a Lambda platform line (platformLine.ts), built as an object and serialised. Each travels
 * through Kinesis and the consumers exactly like the function's own EMF (docs/architecture.md#lambda-platform-metrics).
 * The forwarder writes REPORT documents with `PlatformReportDocument` (PlatformReportDocument.ts), which writes
 * these same bytes straight into the record; its test holds it to this text.
 */
import type { PlatformReport } from './platformLine.ts';

export interface PlatformDocOptions {
  namespace: string;
  logGroup: string;
  timestamp: number;
}

export type Metric = readonly [name: string, unit: string];

export const REPORT_METRICS: readonly Metric[] = [
  ['Invocations', 'Count'], ['Duration', 'Milliseconds'], ['BilledDuration', 'Milliseconds'], ['MemorySize', 'Megabytes'],
  ['MaxMemoryUsed', 'Megabytes'], ['ColdStart', 'Count'], ['Errors', 'Count'], ['Timeouts', 'Count'],
];
export const INIT: Metric = ['InitDuration', 'Milliseconds'];
export const RESTORE: Metric = ['RestoreDuration', 'Milliseconds'];
const TIMEOUT_ONLY: readonly Metric[] = [['Timeouts', 'Count']];

/** The document's dimension: `FunctionName` for Lambda's default `/aws/lambda/<name>` log groups, else `LogGroup`. */
export function dimensionOf(logGroup: string): [key: 'FunctionName' | 'LogGroup', value: string] {
  return logGroup.startsWith('/aws/lambda/') && logGroup.length > 12 ? ['FunctionName', logGroup.slice(12)] : ['LogGroup', logGroup];
}

/** The `CloudWatchMetrics` directives of a document of `metrics`. */
export function directives(namespace: string, dimKey: string, metrics: readonly Metric[]): object[] {
  return [{ Namespace: namespace, Dimensions: [[dimKey]], Metrics: metrics.map(([Name, Unit]) => ({ Name, Unit })) }];
}

/**
 * The EMF document for a REPORT (with `timedOut` when a timeout line of the same request was seen)
 * or for a lone timeout line.
 */
export function platformDocument(line: { kind: 'report'; report: PlatformReport; timedOut: boolean } | { kind: 'timeout'; requestId: string }, opts: PlatformDocOptions): string {
  const [dimKey, dimValue] = dimensionOf(opts.logGroup);
  const aws = (metrics: readonly Metric[]) => ({ Timestamp: Math.trunc(opts.timestamp), CloudWatchMetrics: directives(opts.namespace, dimKey, metrics) });
  if (line.kind === 'timeout') {
    return JSON.stringify({ _aws: aws(TIMEOUT_ONLY), [dimKey]: dimValue, RequestId: line.requestId, Status: 'timeout', Timeouts: 1 });
  }
  const r = line.report;
  const timedOut = line.timedOut || r.status === 'timeout';
  const init = r.initDurationMs !== undefined;
  const restore = r.restoreDurationMs !== undefined;
  return JSON.stringify({
    _aws: aws([...REPORT_METRICS, ...(init ? [INIT] : []), ...(restore ? [RESTORE] : [])]),
    [dimKey]: dimValue, RequestId: r.requestId, Status: timedOut ? 'timeout' : r.status,
    ...(r.errorType === undefined ? {} : { ErrorType: r.errorType }),
    Invocations: 1, Duration: Number(r.durationMs), BilledDuration: Number(r.billedDurationMs), MemorySize: Number(r.memorySizeMB), MaxMemoryUsed: Number(r.maxMemoryUsedMB),
    ColdStart: init || restore ? 1 : 0, Errors: r.status === 'error' || r.status === 'failure' ? 1 : 0, Timeouts: timedOut ? 1 : 0,
    ...(init ? { InitDuration: Number(r.initDurationMs) } : {}),
    ...(restore ? { RestoreDuration: Number(r.restoreDurationMs) } : {}),
  });
}
