/**
 * Lambda platform lines → reports, from which the forwarder builds platform metrics ("enhanced metrics" in
 * Datadog's words) for every provider (the documents: platformDocument.ts). Shapes (emf-facts.md §4):
 * - TEXT REPORT: `REPORT RequestId: <id>\tDuration: 26.73 ms\tBilled Duration: 27 ms\tMemory Size: 128 MB\tMax Memory Used: 75 MB\t[Init Duration: … ms\t][Restore Duration: … ms\t][Status: timeout|error\t[Error Type: …]]\n`
 * - classic timeout: `<ISO ts> <requestId> Task timed out after 3.07 seconds`
 * - JSON system log: `{"time":…,"type":"platform.report","record":{"requestId":…,"metrics":{"durationMs",…},"status":"success"}}`
 */

type PlatformStatus = 'success' | 'timeout' | 'error' | 'failure';

export interface PlatformReport {
  requestId: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  initDurationMs?: number;
  restoreDurationMs?: number;
  status: PlatformStatus;
  errorType?: string;
}

export type PlatformLine =
  | { kind: 'report'; report: PlatformReport }
  | { kind: 'timeout'; requestId: string; seconds: number }
  | { kind: 'unparsable'; detail: string };

/** A finite number, or undefined. */
const finite = (n: unknown): number | undefined => (typeof n === 'number' && Number.isFinite(n) ? n : undefined);

const num = (re: RegExp, s: string): number | undefined => {
  const m = re.exec(s);
  return m ? finite(Number(m[1])) : undefined; // `[\d.]+` also matches "1.2.3"
};

const PLATFORM_STATUSES: readonly PlatformStatus[] = ['success', 'timeout', 'error', 'failure'];
/** The status constant a record or line names (the constant itself, not the string read), `success` for anything else. */
const toStatus = (s: unknown): PlatformStatus => PLATFORM_STATUSES.find((k) => k === s) ?? 'success';

const REPORT_PREFIX = 'REPORT RequestId: ';

/** Cheap tests first: most lines fail on `startsWith` and two searches, and are never parsed. */
export function parsePlatformLine(message: string): PlatformLine | undefined {
  if (message.startsWith(REPORT_PREFIX)) return parseTextReport(message);
  if (message.indexOf('Task timed out after ') >= 0) return parseTimeout(message);
  if (message.charCodeAt(0) === 123 /* { */ && message.indexOf('"platform.report"') >= 0) return parseJsonReport(message);
  return undefined;
}

/** A REPORT line: each field found wherever it stands. */
function parseTextReport(line: string): PlatformLine {
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
  const n = (k: string) => finite(m?.[k]);
  const durationMs = n('durationMs');
  const billedDurationMs = n('billedDurationMs');
  const memorySizeMB = n('memorySizeMB');
  const maxMemoryUsedMB = n('maxMemoryUsedMB');
  if (durationMs === undefined || billedDurationMs === undefined || memorySizeMB === undefined || maxMemoryUsedMB === undefined) {
    return { kind: 'unparsable', detail: 'platform.report record lacks durationMs, billedDurationMs, memorySizeMB or maxMemoryUsedMB' };
  }
  const report: PlatformReport = {
    requestId: typeof o.record?.requestId === 'string' ? o.record.requestId : '',
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
