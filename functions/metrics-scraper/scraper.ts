/**
 * The metrics scraper: on a schedule, reads the selected CloudWatch metrics over the closed periods of the run's
 * window and writes them to the stream as EMF documents of origin `cloudwatch`, with the forwarder's packer and
 * writer. Every provider then gets them as it gets any EMF (docs/metrics-scraper.md).
 *
 * Failure policy (EventBridge invokes the function asynchronously): a call CloudWatch refuses for good, or
 * records Kinesis would not take before the deadline → the run throws, so Lambda retries the same event (the same
 * scheduled time, so the same window and the same document ids, which the consumers de-duplicate) and then sends
 * it to the failure queue. Throttling is retried within the run. Queries CloudWatch answers `Forbidden` or
 * `InternalError`, and metrics over the cap, are counted in the run's summary line and pipeline metrics.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from '../../shared/log/logger.ts';
import { publishScraperMetrics, type MetricsSink } from '../../shared/pipeline/PipelineMetricsPublisher.ts';
import type { BackoffOptions } from '../../shared/subscriptions/retry.ts';
import { KinesisWriteError, writeRecords } from '../forwarder/writeRecords.ts';
import type { ScraperConfig } from './config.ts';
import { createDiscovery } from './discover.ts';
import { buildDocuments, packOrigins } from './documents.ts';
import { readMetricData, type MetricPoint } from './metricData.ts';
import { specKey } from './spec.ts';
import { closedWindow, type QueryWindow } from './window.ts';

/**
 * Backoff of throttled CloudWatch calls: 5 retries, 250 ms doubling (with jitter) to at most 4 s, about 8 s per
 * call at most, so that a throttled run still ends, and logs and publishes what it did, within the function's
 * timeout (55 s) rather than being cut off by it. A run that stays throttled fails and is retried by Lambda.
 */
const SCRAPER_BACKOFF: BackoffOptions = Object.freeze({ retries: 5, minTimeoutMs: 250, maxTimeoutMs: 4_000 });

/** What EventBridge sends a scheduled function: `time` is the time the run was scheduled for. */
export interface ScheduledEvent {
  time?: unknown;
}

export interface ScraperSummary {
  /** The window read, ISO 8601, half-open. */
  window: { start: string; end: string };
  /** Metrics read, and those found but not read by reason (`over_cap`, …). */
  metrics: number;
  skipped: Record<string, number>;
  /** ListMetrics / ListTagsForResource calls (0 when the container's discovery was still fresh). */
  listCalls: number;
  /** GetMetricData calls and the queries they carried (what CloudWatch bills), throttled calls retried. */
  calls: number;
  queries: number;
  retries: number;
  failedQueries: Record<string, number>;
  /** Metrics read over the catch-up window (new to this container), when it reached before the run's window. */
  caughtUp?: number;
  /** Datapoints read; documents and records written. */
  points: number;
  documents: number;
  records: number;
  putRecordsCalls: number;
  retriedEntries: number;
}

export interface ScraperDeps {
  config: ScraperConfig;
  cloudwatch: CloudWatchClient;
  kinesis: KinesisClient;
  logger: Logger;
  /** Tags of a log group by ARN; needed only when the subscription rules require tags. */
  logGroupTags?: (arn: string) => Promise<Readonly<Record<string, string>>>;
  /** The account id when the context has no function ARN (locally). */
  account?: string;
  /** The time of a run whose event has none (an invocation by hand), ms since the epoch. @default Date.now */
  now?: () => number;
  /** Backoff of throttled CloudWatch calls, and of Kinesis entries (tests shorten them). */
  backoff?: BackoffOptions;
  retryMinTimeoutMs?: number;
  onSummary?: (summary: ScraperSummary) => void;
  metricsSink?: MetricsSink;
}

interface RunContext {
  getRemainingTimeInMillis(): number;
  invokedFunctionArn?: string;
}

/** The partition and account of the function's ARN (`arn:<partition>:lambda:<region>:<account>:function:<name>`). */
const arnPart = (arn: string | undefined, i: 1 | 4): string | undefined => arn?.split(':')[i];

/**
 * The scheduled time of the event: its `time` (an ISO 8601 string), else `now`, to the nearest minute (EventBridge's
 * finest schedule), so that a time a little before or after the minute cannot move the window by one period.
 */
function scheduledTime(event: ScheduledEvent, now: number): number {
  const t = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  return Math.round((Number.isFinite(t) ? t : now) / 60_000) * 60_000;
}

/** The run's window, reaching back `catchUpSeconds` (whole periods) when that is longer: for metrics new to the container. */
function catchUpWindow(window: QueryWindow, c: Pick<ScraperConfig, 'catchUpSeconds' | 'periodSeconds'>): QueryWindow {
  const back = Math.floor(c.catchUpSeconds / c.periodSeconds) * c.periodSeconds * 1000;
  return { startMs: Math.min(window.startMs, window.endMs - back), endMs: window.endMs };
}

export function createScraperHandler(deps: ScraperDeps) {
  const { config, logger } = deps;
  const backoff = deps.backoff ?? SCRAPER_BACKOFF;
  const now = deps.now ?? Date.now;
  let discovery: ReturnType<typeof createDiscovery> | undefined;
  /** The metrics this container has read and written (`specKey`): the others are read over the catch-up window. */
  const read = new Set<string>();

  return async function handler(event: ScheduledEvent, context: RunContext): Promise<ScraperSummary> {
    const account = arnPart(context.invokedFunctionArn, 4) ?? deps.account;
    const partition = arnPart(context.invokedFunctionArn, 1) ?? 'aws';
    if (account === undefined || account === '') throw new Error('the account id is unknown: no function ARN in the context and no account given');
    discovery ??= createDiscovery(config, { cloudwatch: deps.cloudwatch, account, partition, backoff, ...(deps.logGroupTags && { logGroupTags: deps.logGroupTags }) });
    const at = scheduledTime(event, now());
    const window = closedWindow(at, { periodSeconds: config.periodSeconds, delaySeconds: config.delaySeconds, periods: config.intervalSeconds / config.periodSeconds });
    const summary: ScraperSummary = {
      window: { start: new Date(window.startMs).toISOString(), end: new Date(window.endMs).toISOString() },
      metrics: 0, skipped: {}, listCalls: 0, calls: 0, queries: 0, retries: 0, failedQueries: {}, points: 0, documents: 0, records: 0, putRecordsCalls: 0, retriedEntries: 0,
    };
    const publish = () => {
      if (config.pipelineMetrics && deps.metricsSink) publishScraperMetrics(summary, { functionName: config.functionName, sink: deps.metricsSink });
    };
    const fail = (what: string, err: unknown): never => {
      logger.error(`metrics scraper run failed: ${what}; throwing so Lambda retries the run (same window, same documents) and then sends it to the failure queue`, { error: (err as Error).message, ...summary });
      publish();
      throw err;
    };

    const found = await discovery(at).catch((err: unknown) => fail('listing the metrics', err));
    summary.metrics = found.specs.length;
    summary.listCalls = found.listCalls;
    Object.assign(summary.skipped, found.skipped);
    if (found.skipped.over_cap) logger.warn('metrics scraper: more metrics selected than SCRAPER_MAX_METRICS; the rest are not read', { overCap: found.skipped.over_cap, maxMetrics: config.maxMetrics });

    // Metrics this container has not read yet (all of them after a cold start, and any ListMetrics found since)
    // are read over the catch-up window: periods before their discovery are read too, so a metric that ListMetrics
    // showed late leaves no gap. The same call price: GetMetricData bills metrics, not periods.
    const fresh: number[] = [];
    const known: number[] = [];
    found.specs.forEach((spec, i) => (read.has(specKey(spec)) ? known : fresh).push(i));
    const catchUp = catchUpWindow(window, config);
    const counts = { calls: 0, queries: 0, retries: 0, failed: summary.failedQueries };
    const points: MetricPoint[] = [];
    let readError: unknown;
    try {
      for (const [indices, w] of [[known, window], [fresh, catchUp]] as const) {
        if (indices.length === 0) continue;
        const got = await readMetricData(deps.cloudwatch, indices.map((i) => found.specs[i]!), w, config.periodSeconds, backoff, counts);
        for (const p of got.points) points.push({ ...p, metric: indices[p.metric]! });
      }
    } catch (err) {
      readError = err;
    }
    // What CloudWatch was asked (and bills), also when the read failed.
    Object.assign(summary, { calls: counts.calls, queries: counts.queries, retries: counts.retries });
    if (readError !== undefined) fail('GetMetricData', readError);
    summary.points = points.length;
    if (fresh.length > 0 && catchUp.startMs < window.startMs) summary.caughtUp = fresh.length;
    if (Object.keys(counts.failed).length > 0) logger.warn('metrics scraper: CloudWatch answered some queries Forbidden; their metrics have no points this run', { failedQueries: counts.failed });

    const built = buildDocuments(found.specs, points, { owner: account, region: config.region, periodSeconds: config.periodSeconds });
    for (const [reason, n] of Object.entries(built.skipped)) summary.skipped[reason] = (summary.skipped[reason] ?? 0) + n;
    const records = packOrigins(built.origins);
    const documents = records.reduce((n, r) => n + r.documents, 0);
    if (records.length > 0) {
      const written = await writeRecords(deps.kinesis, records, {
        streamName: config.streamName,
        remainingMs: () => context.getRemainingTimeInMillis(),
        deadlineMarginMs: config.deadlineMarginMs,
        retryAttempts: config.retryAttempts,
        logger,
        ...(deps.retryMinTimeoutMs !== undefined && { minTimeoutMs: deps.retryMinTimeoutMs }),
      }).catch((err: unknown) => {
        if (err instanceof KinesisWriteError) {
          summary.records = records.length - err.failedRecords;
          summary.documents = documents - err.failedDocuments;
          summary.retriedEntries = err.retriedEntries;
        }
        return fail('writing to Kinesis', err);
      });
      Object.assign(summary, { records: written.records, putRecordsCalls: written.calls, retriedEntries: written.retriedEntries, documents });
    }
    for (const i of fresh) read.add(specKey(found.specs[i]!));
    logger.info('metrics scraper run', { ...summary });
    deps.onSummary?.(summary);
    publish();
    return summary;
  };
}
