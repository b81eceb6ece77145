/**
 * The Lambda handler around a provider: Kinesis decoding, chunking, retries within the
 * invocation's time, partial batch responses and one summary log line. A consumer function is
 * then three lines (see `functions/consumers/example-http/handler.ts`).
 */
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { Env } from '../config/env.ts';
import { createLambdaLogger } from '../log/lambdaLogger.ts';
import type { Logger } from '../log/logger.ts';
import { createConsumerMetricsPublisher, stdoutSink, type MetricsSink } from '../pipeline/PipelineMetricsPublisher.ts';
import { Tally } from '../tally.ts';
import { defaultSafetyMarginMs, loadConsumerConfig } from './config.ts';
import { ChunkStream, type Chunk } from './ChunkStream.ts';
import { DeliveredDocuments } from './DeliveredDocuments.ts';
import { DocumentLedger } from './DocumentLedger.ts';
import { callWithRetry, type CallWindow, type RetryPolicy, type RetryOutcome } from './retry.ts';
import { dataDroppedOf, type ConsumerSummary } from './summary.ts';
import type { AnyProvider, MetricDatum, SendContext, SendResult } from './types.ts';

export interface ConsumerHandlerOptions {
  /** Read at creation (cold start) for `CONSUMER_*` settings. @default process.env */
  env?: Env;
  /** @default Powertools Logger (createLambdaLogger) with `provider` in every line, and the request id once an invocation starts */
  logger?: Logger;
  /** Called once per invocation with the summary that is also logged. */
  onSummary?: (summary: ConsumerSummary) => void;
  /** Overrides `CONSUMER_SAFETY_MARGIN_MS`. */
  safetyMarginMs?: number;
  /** Overrides fields of the retry policy from `CONSUMER_*`. */
  retry?: Partial<RetryPolicy>;
  /** Largest decompressed record accepted (bytes). @default 64 MiB */
  maxRecordBytes?: number;
  /**
   * Where the pipeline metrics document of each invocation is printed (`PIPELINE_METRICS`,
   * docs/monitoring.md#what-is-published). @default standard output in Lambda (when `AWS_LAMBDA_FUNCTION_NAME`
   * is set), nowhere elsewhere (tests, `npm start`, which collects them through `onSummary`)
   */
  metricsSink?: MetricsSink;
}

export type ConsumerHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

/**
 * Builds the Kinesis-triggered handler for `provider`. Deploy it with
 * `functionResponseType: ReportBatchItemFailures`, or Lambda ignores the partial response.
 *
 * Semantics (docs/architecture.md#consumers-functionsconsumers-core-in-sharedconsumer): records are
 * delivered in order, in chunks of at most `provider.maxBatchSize` data, one chunk at a time. A
 * `Provider` gets each chunk as an array of separate data; a `StreamingProvider` (`streaming: true`)
 * gets the chunk itself (see `MetricData`). Undecodable input is counted and skipped. A `failure`
 * result drops the chunk (counted under the provider's reason). A `retryable` result is retried
 * with backoff while the next attempt fits before the deadline; then the handler returns the
 * sequence number of the first record not fully delivered, and Lambda redelivers from there:
 * at-least-once. Documents whose data were confirmed are remembered by the container (bounded by
 * `CONSUMER_DEDUP_DOCUMENTS`), and when they arrive again (that redelivery, or the forwarder writing
 * them again) they are passed over, or resumed after their confirmed data, before the provider sees
 * them (docs/architecture.md#de-duplication).
 * The handler throws only on a programming error (Lambda then retries the whole batch).
 *
 * @example
 * export const handler = createConsumerHandler(new JsonLinesHttpProvider(loadConfig(process.env)));
 */
export function createConsumerHandler(provider: AnyProvider, options: ConsumerHandlerOptions = {}): ConsumerHandler {
  const config = loadConsumerConfig(options.env ?? process.env);
  const policy: RetryPolicy = { ...config.retry, ...options.retry };
  const marginOverride = options.safetyMarginMs ?? config.safetyMarginMs;
  const logger = options.logger ?? createLambdaLogger({ base: { provider: provider.name } });
  const maxBatch = provider.maxBatchSize ?? Number.POSITIVE_INFINITY;
  if (!(maxBatch >= 1) || (Number.isFinite(maxBatch) && !Number.isInteger(maxBatch))) {
    throw new TypeError(`provider ${provider.name}: maxBatchSize must be a positive integer, got ${provider.maxBatchSize}`);
  }
  // The container's memory: one handler per container, so it outlives the invocation.
  const memory = new DeliveredDocuments(config.dedupDocuments);
  const env = options.env ?? process.env;
  const sink = options.metricsSink ?? (env.AWS_LAMBDA_FUNCTION_NAME ? stdoutSink : undefined);
  // Read at creation, so a bad PIPELINE_METRICS fails the cold start, naming it.
  const publishMetrics = createConsumerMetricsPublisher(env, { fallbackName: provider.name, ...(sink && { sink }) });

  return async (event, context) => {
    logger.setContext?.(context);
    const remaining = context.getRemainingTimeInMillis();
    const margin = marginOverride ?? defaultSafetyMarginMs(remaining);
    const end = Date.now() + remaining;
    const issues = { dropped: new Tally(), warnings: new Tally() };
    const invocation = {};

    // 1. Records are decoded as providers read the chunks (so the batch holds about one record of decoded data).
    //    Documents this container delivered before are passed over as they are decoded.
    const ledger = new DocumentLedger(memory);
    const stream = new ChunkStream(event.Records, maxBatch, issues, options.maxRecordBytes === undefined ? {} : { maxBytes: options.maxRecordBytes }, ledger);

    // 2. Deliver in order. `confirmed`: data before it are delivered or dropped for good.
    //    Providers with `flush` only confirm at flush; `sent` is how far `send` got.
    const estimate = { ms: 0 };
    const sendWindow = deadlineWindow(end - margin, margin, invocation);
    const stats = { calls: 0, retries: 0, delivered: 0, unconfirmedDelivered: 0 };
    let confirmed = 0;
    let sent = 0;
    let gaveUp: RetryOutcome | undefined;
    const tally = (outcome: RetryOutcome) => {
      stats.calls += outcome.attempts;
      stats.retries += Math.max(0, outcome.attempts - 1);
    };
    try {
      for (let chunk = stream.next(); chunk !== undefined; chunk = stream.next()) {
        const outcome = await callWithRetry(sendOf(provider, chunk), sendWindow, policy, logger, estimate, 'send');
        tally(outcome);
        const r = outcome.result;
        if (r.status === 'retryable') {
          gaveUp = outcome;
          // The data the provider says it settled before giving up are confirmed: Lambda resumes after them.
          const done = provider.flush ? 0 : Math.min(Math.max(0, Math.floor(r.delivered ?? 0)), chunk.length);
          if (done > 0) {
            const reasons = Object.keys(r.dropped ?? {});
            const lost = reasons.length === 0 ? 0 : countDropped(issues.dropped, { status: 'failure', reason: reasons[0]!, error: r.error, dropped: r.dropped! }, done, `${provider.name} lost`);
            sent += done;
            confirmed = sent;
            ledger.settle(confirmed, lost > 0);
            stats.delivered += done - lost;
          }
          break;
        }
        if (r.status === 'success') stats.unconfirmedDelivered += chunk.length;
        else stats.unconfirmedDelivered += chunk.length - countDropped(issues.dropped, r, chunk.length, `${provider.name} rejected`);
        // A provider with `flush` confirms nothing before it: what a `failure` dropped is settled now all the same.
        if (r.status === 'failure' && provider.flush) ledger.dropped(sent, sent + chunk.length);
        sent += chunk.length;
        if (!provider.flush) {
          confirmed = sent;
          ledger.settle(confirmed, r.status === 'failure');
          stats.delivered += stats.unconfirmedDelivered;
          stats.unconfirmedDelivered = 0;
        }
      }
    } finally {
      sendWindow.dispose();
    }
    // Delivery stopped early: the rest is redelivered, but this invocation's summary still counts it.
    stream.drain();

    // 3. Flush (buffered providers); half the margin is kept for it. Not after a send gave up: the records
    //    since the last confirmed point are all redelivered then, and flushing part of them could split a
    //    record (a chunk may end inside one), whose redelivery would deliver that part twice.
    if (provider.flush && gaveUp === undefined) {
      const flushWindow = deadlineWindow(end - margin / 2, margin / 2, invocation);
      try {
        const outcome = await callWithRetry((ctx: SendContext) => provider.flush!(ctx), flushWindow, policy, logger, { ms: 0 }, 'flush');
        tally(outcome);
        const r = outcome.result;
        if (r.status === 'retryable') {
          gaveUp = outcome;
        } else {
          if (r.status === 'success') stats.delivered += stats.unconfirmedDelivered;
          else stats.delivered += stats.unconfirmedDelivered - countDropped(issues.dropped, r, stats.unconfirmedDelivered, `${provider.name} flush failed for`);
          stats.unconfirmedDelivered = 0;
          confirmed = sent;
          ledger.settle(confirmed, r.status === 'failure');
        }
      } finally {
        flushWindow.dispose();
      }
    }

    // 4. Report: the first record holding an unconfirmed datum is where Lambda resumes.
    const summary: ConsumerSummary = {
      provider: provider.name,
      records: event.Records.length,
      recordsUndecodable: stream.recordsUndecodable,
      documents: stream.documents,
      data: stream.decoded,
      duplicates: ledger.duplicates,
      lag: ledger.lag(),
      delivered: stats.delivered,
      dropped: issues.dropped.counts,
      dataDropped: dataDroppedOf(issues.dropped.counts),
      warnings: issues.warnings.counts,
      calls: stats.calls,
      retries: stats.retries,
      examples: { ...issues.warnings.examples, ...issues.dropped.examples },
    };
    const batchItemFailures: { itemIdentifier: string }[] = [];
    if (confirmed < stream.decoded) {
      const first = stream.recordOf(confirmed);
      const sequenceNumber = event.Records[first]!.kinesis.sequenceNumber;
      batchItemFailures.push({ itemIdentifier: sequenceNumber });
      summary.redelivery = {
        sequenceNumber,
        records: event.Records.length - first,
        data: stream.decoded - (first === 0 ? 0 : stream.recordEnds[first - 1]!),
        error: gaveUp?.result.status === 'retryable' ? gaveUp.result.error.message : 'unknown',
        stoppedBy: gaveUp?.stoppedBy ?? 'retries',
      };
    }
    const level = summary.redelivery || Object.keys(summary.dropped).length > 0 ? 'warn' : 'info';
    // The lag distribution is for metrics (`onSummary`); the line keeps its range, not 100 numbers.
    const { lag: _distribution, ...line } = summary;
    logger[level]('consumer batch', { ...line, lag: ledger.lagRange() });
    options.onSummary?.(summary);
    if (sink) publishMetrics(summary);
    return { batchItemFailures };
  };
}

/**
 * One `send` of `chunk`, called again on a retry: a streaming provider gets the chunk itself; any other
 * gets its data as separate objects, made once (in the one pass that decodes the chunk's records) and
 * passed again on a retry.
 */
function sendOf(provider: AnyProvider, chunk: Chunk): (ctx: SendContext) => Promise<SendResult> {
  if (provider.streaming === true) return (ctx) => provider.send(chunk, ctx);
  const data: readonly MetricDatum[] = chunk.toArray();
  return (ctx) => provider.send(data, ctx);
}

/** A deadline, its abort signal, and the grace after which an unresponsive provider is abandoned. */
function deadlineWindow(deadline: number, margin: number, invocation: object): CallWindow & { dispose(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('consumer deadline reached')), Math.max(0, deadline - Date.now()));
  return { deadline, signal: controller.signal, graceMs: Math.max(0, margin / 4), invocation, dispose: () => clearTimeout(timer) };
}

/**
 * Counts what a `failure` lost: its `dropped` breakdown (at most `of` data in all), or all `of`
 * data under its reason. Returns how many data were lost.
 */
function countDropped(tally: Tally, r: Extract<SendResult, { status: 'failure' }>, of: number, what: string): number {
  if (r.dropped === undefined) {
    if (of > 0) tally.add(r.reason, `${what} ${of} data: ${r.error.message}`, of);
    return of;
  }
  let lost = 0;
  for (const [reason, n] of Object.entries(r.dropped)) {
    const take = Math.min(Math.max(0, Math.floor(n)), of - lost);
    if (take > 0) tally.add(reason, `${what} ${take} of ${of} data: ${r.error.message}`, take);
    lost += take;
  }
  return lost;
}
