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
import { readMetricData } from './metricData.ts';
import { closedWindow } from './window.ts';

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

/** The scheduled time of the event: its `time` (an ISO 8601 string), else `now`. */
function scheduledTime(event: ScheduledEvent, now: number): number {
  const t = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  return Number.isFinite(t) ? t : now;
}

export function createScraperHandler(deps: ScraperDeps) {
  const { config, logger } = deps;
  const backoff = deps.backoff ?? SCRAPER_BACKOFF;
  const now = deps.now ?? Date.now;
  let discovery: ReturnType<typeof createDiscovery> | undefined;

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

    const read = await readMetricData(deps.cloudwatch, found.specs, window, config.periodSeconds, backoff).catch((err: unknown) => fail('GetMetricData', err));
    Object.assign(summary, { calls: read.calls, queries: read.queries, retries: read.retries, failedQueries: read.failed, points: read.points.length });
    if (Object.keys(read.failed).length > 0) logger.warn('metrics scraper: CloudWatch answered some queries with an error status; their metrics have no points this run', { failedQueries: read.failed });

    const built = buildDocuments(found.specs, read.points, { owner: account, region: config.region, periodSeconds: config.periodSeconds });
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
    logger.info('metrics scraper run', { ...summary });
    deps.onSummary?.(summary);
    publish();
    return summary;
  };
}
