/**
 * The whole pipeline on one machine, with the production handlers: input → genuine subscription
 * payloads → the forwarder handler → an embedded Kinesis stream (kinesalite, real SDK) → one
 * event-source-mapping emulator per provider → the consumer handler around that provider.
 * `main.ts` adds the command line, the console output and the exit code.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Context } from 'aws-lambda';
import type { Env } from '../shared/config/env.ts';
import { createConsumerHandler } from '../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../shared/consumer/summary.ts';
import type { AnyProvider as Provider } from '../shared/consumer/types.ts';
import type { Logger } from '../shared/log/logger.ts';
import { createConsumerMetricsPublisher, type MetricsSink } from '../shared/pipeline/PipelineMetricsPublisher.ts';
import { loadForwarderConfig } from '../functions/forwarder/config.ts';
import { createForwarderHandler } from '../functions/forwarder/forwarder.ts';
import type { PackedRecord } from '../functions/forwarder/pack.ts';
import { KinesisWriteError, writeRecords } from '../functions/forwarder/writeRecords.ts';
import { buildDocuments, packOrigins } from '../functions/metrics-scraper/documents.ts';
import { byPeriod, type CloudwatchReplay } from './cloudwatchRecording.ts';
import { createEventSourceMapping, type EventSourceMapping, type EventSourceMappingOptions, type KinesisHandler } from './esm.ts';
import { ForwardQueue } from './ForwardQueue.ts';
import { SubscriptionBatcher } from './input/SubscriptionBatcher.ts';
import type { InputEvent } from './input/types.ts';
import { startLocalKinesis } from './kinesalite.ts';
import { invocationContext } from './lambdaKinesis.ts';
import { countWrittenRecords } from './recordCounter.ts';
import {
  addConsumerSummary, addForwarderSummary, emptyForwarderStats, emptyProviderStats, lossesOf,
  type CloudwatchStats, type InputStats, type ProviderStats, type RunEnd, type RunSummary,
} from './summary.ts';

/**
 * A consumer to run behind its own event source mapping: a provider (wrapped in the production
 * consumer handler, with its summaries counted), or any Kinesis handler (a user's `handler.ts`,
 * counted by records only).
 */
export type LocalProvider = {
  name: string;
  /** Releases sockets or timers after the run. */
  close?: () => Promise<void> | void;
} & ({ provider: Provider } | { handler: KinesisHandler });

type EsmSettings = Partial<Pick<EventSourceMappingOptions, 'batchSize' | 'batchingWindowMs' | 'maxRetryAttempts' | 'retryDelayMs' | 'maxRetryDelayMs' | 'pollIntervalMs' | 'timeoutMs'>>;

export interface Progress {
  phase: 'reading' | 'draining';
  logEvents: number;
  forwardedDocuments: number;
  records: number;
  providers: { name: string; delivered: number; recordsProcessed: number }[];
}

export interface PipelineOptions {
  events: AsyncIterable<InputEvent> | Iterable<InputEvent>;
  providers: LocalProvider[];
  /** Forwarder (`RECORD_*`, `PLATFORM_*`, …) and consumer (`CONSUMER_*`) settings, as in production. */
  env: Env;
  logger: Logger;
  /** Filled by the input reader (issues, blank lines); `logEvents` is counted here. */
  input?: InputStats;
  /** @default 1 */
  shards?: number;
  /** @default 'emf-fanout-local' */
  streamName?: string;
  esm?: EsmSettings;
  /** The forwarder function's timeout. @default 60000 */
  forwarderTimeoutMs?: number;
  forwarderConcurrency?: number;
  forwarderRetries?: number;
  /** A streaming input's pending events are cut into payloads this often. @default 1000 */
  flushIntervalMs?: number;
  /** Aborted: stop reading input, forward and drain what was read (first Ctrl-C). */
  stopInput?: AbortSignal;
  /** Aborted: stop at once, counting what was not processed as lost (second Ctrl-C). */
  abort?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** @default 2000 */
  progressIntervalMs?: number;
  /**
   * Receives the pipeline metrics documents each forwarder and consumer invocation prints in Lambda
   * (`PIPELINE_METRICS`, docs/monitoring.md); when absent none are printed (stdout holds the data).
   */
  pipelineMetrics?: MetricsSink;
  /**
   * `--cloudwatch FILE`: CloudWatch metrics read from a recording, written to the stream before the input is
   * read, as the metrics scraper writes them (its documents, the forwarder's packer and writer).
   */
  cloudwatch?: CloudwatchReplay;
}

/** The local account, as the subscription payloads' owner. */
const LOCAL_ACCOUNT = '000000000000';

/**
 * Writes the replay's documents to the stream as the deployed scraper does (functions/metrics-scraper/scraper.ts):
 * `buildDocuments` per period, `packOrigins`, then `writeRecords`.
 * A write that fails for good is counted, not thrown: the summary names it as a loss.
 */
async function writeCloudwatch(
  replay: CloudwatchReplay,
  o: { kinesis: KinesisClient; streamName: string; region: string; deadlineMarginMs: number; retryAttempts: number; logger: Logger; timeoutMs: number },
): Promise<CloudwatchStats> {
  const stats: CloudwatchStats = { metrics: replay.specs.length, datapoints: replay.points.length, documents: 0, records: 0, failedDocuments: 0, skipped: { ...replay.skipped } };
  const records: PackedRecord[] = [];
  for (const g of byPeriod(replay)) {
    const built = buildDocuments(g.specs, g.points, { owner: LOCAL_ACCOUNT, region: o.region, periodSeconds: g.periodSeconds });
    for (const [reason, n] of Object.entries(built.skipped)) stats.skipped[reason] = (stats.skipped[reason] ?? 0) + n;
    records.push(...packOrigins(built.origins));
  }
  const documents = records.reduce((n, r) => n + r.documents, 0);
  if (records.length === 0) return stats;
  const deadline = Date.now() + o.timeoutMs;
  try {
    const written = await writeRecords(o.kinesis, records, {
      streamName: o.streamName, remainingMs: () => deadline - Date.now(), deadlineMarginMs: o.deadlineMarginMs, retryAttempts: o.retryAttempts, logger: o.logger,
    });
    Object.assign(stats, { records: written.records, documents });
  } catch (err) {
    if (!(err instanceof KinesisWriteError)) throw err;
    Object.assign(stats, { records: records.length - err.failedRecords, documents: documents - err.failedDocuments, failedDocuments: err.failedDocuments, error: err.message });
  }
  return stats;
}

/**
 * The iterator's next event, or 'stopped' as soon as a signal is aborted (an input such as
 * standard input can wait for ever). Listeners are removed each time, so nothing accumulates.
 */
function nextOrStop<T>(it: AsyncIterator<T> | Iterator<T>, signals: readonly (AbortSignal | undefined)[]): Promise<IteratorResult<T> | 'stopped'> {
  if (signals.some((s) => s?.aborted)) return Promise.resolve('stopped');
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cleanup();
      resolve('stopped');
    };
    const cleanup = () => {
      for (const s of signals) s?.removeEventListener('abort', onAbort);
    };
    for (const s of signals) s?.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(it.next()).then(
      (r) => {
        cleanup();
        resolve(r);
      },
      (err: unknown) => {
        cleanup();
        reject(err);
      },
    );
  });
}

/** Resolves with `work`, or early when `signal` is aborted. */
function unlessAborted(work: Promise<unknown>, signal: AbortSignal | undefined): Promise<unknown> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Events read between two turns of the event loop, so forwarding and polling go on while a fast input is read. */
const EVENTS_PER_TURN = 500;

/** Runs the pipeline to the end of the input (or a stop signal) and returns the account of the run. */
export async function runLocalPipeline(opts: PipelineOptions): Promise<RunSummary> {
  const env = opts.env;
  const streamName = opts.streamName ?? 'emf-fanout-local';
  // The pipeline metrics' FunctionName: `forwarder` here, each consumer its provider's name.
  const config = loadForwarderConfig({ AWS_REGION: 'us-east-1', ...env, KINESIS_STREAM_NAME: streamName, AWS_LAMBDA_FUNCTION_NAME: 'forwarder' });
  const input: InputStats = opts.input ?? { logEvents: 0, blankLines: 0, issues: {}, examples: {} };
  const forwarderStats = emptyForwarderStats();
  const kinesis = await startLocalKinesis({ region: config.region });
  const written = countWrittenRecords(kinesis.client);
  const mappings: { esm: EventSourceMapping; stats: ProviderStats; close?: LocalProvider['close'] }[] = [];
  let progressTimer: NodeJS.Timeout | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let end: RunEnd = 'end-of-input';
  let cloudwatch: CloudwatchStats | undefined;
  try {
    await kinesis.createStream(streamName, opts.shards ?? 1);
    const forwarder = createForwarderHandler({
      config, kinesis: kinesis.client, logger: opts.logger,
      onSummary: (s) => addForwarderSummary(forwarderStats, s),
      ...(opts.pipelineMetrics && { metricsSink: opts.pipelineMetrics }),
    });
    const forwarderTimeout = opts.forwarderTimeoutMs ?? 60_000;
    const functionId = { region: config.region, accountId: LOCAL_ACCOUNT };

    for (const p of opts.providers) {
      // The consumer's metrics go to opts.pipelineMetrics, from its summary; never to stdout, whatever the handler does with the setting.
      const publishMetrics = opts.pipelineMetrics && createConsumerMetricsPublisher({ PIPELINE_METRICS: env.PIPELINE_METRICS }, { fallbackName: p.name, sink: opts.pipelineMetrics });
      const onSummary = (s: ConsumerSummary) => {
        addConsumerSummary(stats, s);
        publishMetrics?.(s);
      };
      const handler: KinesisHandler = 'provider' in p
        ? createConsumerHandler(p.provider, { env: { ...env, PIPELINE_METRICS: 'false' }, logger: opts.logger, onSummary })
        : p.handler;
      const esm = createEventSourceMapping({
        client: kinesis.client, streamName, region: config.region, functionName: `emf-fanout-${p.name}`,
        handler: (event, context: Context) => handler(event, context), logger: opts.logger, ...opts.esm,
      });
      const stats = emptyProviderStats(p.name, esm.stats, 'provider' in p);
      mappings.push({ esm, stats, ...(p.close && { close: p.close }) });
      await esm.start();
    }

    if (opts.cloudwatch) {
      cloudwatch = await writeCloudwatch(opts.cloudwatch, {
        kinesis: kinesis.client, streamName, region: config.region, deadlineMarginMs: config.deadlineMarginMs, retryAttempts: config.retryAttempts,
        logger: opts.logger, timeoutMs: forwarderTimeout,
      });
    }

    const queue = new ForwardQueue(
      (b) => forwarder(b.event, invocationContext({ ...functionId, functionName: 'emf-fanout-forwarder' }, forwarderTimeout)),
      forwarderStats,
      { ...(opts.forwarderConcurrency !== undefined && { concurrency: opts.forwarderConcurrency }), ...(opts.forwarderRetries !== undefined && { retries: opts.forwarderRetries }) },
    );
    const batcher = new SubscriptionBatcher({ owner: LOCAL_ACCOUNT, subscriptionFilters: ['emf-fanout-local'] });
    const progress = (phase: Progress['phase']) => opts.onProgress?.({
      phase, logEvents: input.logEvents, forwardedDocuments: forwarderStats.forwardedDocuments, records: written.records,
      providers: mappings.map((m) => ({ name: m.stats.name, delivered: m.stats.delivered, recordsProcessed: m.esm.stats.recordsProcessed })),
    });
    let phase: Progress['phase'] = 'reading';
    progressTimer = setInterval(() => progress(phase), opts.progressIntervalMs ?? 2_000);
    flushTimer = setInterval(() => queue.push(batcher.flush()), opts.flushIntervalMs ?? 1_000);

    // Read until the end of the input or the first stop signal.
    const iterator = (Symbol.asyncIterator in opts.events ? opts.events[Symbol.asyncIterator]() : opts.events[Symbol.iterator]()) as AsyncIterator<InputEvent> | Iterator<InputEvent>;
    for (let n = 1; ; n++) {
      const next = await nextOrStop(iterator, [opts.stopInput, opts.abort]);
      if (next === 'stopped') {
        end = opts.abort?.aborted ? 'aborted' : 'interrupted';
        void Promise.resolve(iterator.return?.()).catch(() => undefined);
        break;
      }
      if (next.done) break;
      input.logEvents++;
      queue.push(batcher.add(next.value));
      await unlessAborted(queue.room(), opts.abort);
      if (n % EVENTS_PER_TURN === 0) await new Promise((r) => setImmediate(r));
    }
    clearInterval(flushTimer);
    if (end !== 'aborted') {
      queue.push(batcher.flush());
      await unlessAborted(queue.idle(), opts.abort);
      phase = 'draining';
      await unlessAborted(Promise.all(mappings.map((m) => m.esm.drain())), opts.abort);
      if (opts.abort?.aborted) end = 'aborted';
    }
  } finally {
    clearInterval(progressTimer);
    clearInterval(flushTimer);
    await Promise.all(mappings.map((m) => m.esm.stop()));
    for (const m of mappings) await m.close?.();
    written.dispose();
    await kinesis.close();
  }

  const providers = mappings.map((m) => {
    const done = m.esm.stats.recordsProcessed + m.esm.stats.recordsDiscarded;
    return { ...m.stats, recordsUnconsumed: Math.max(0, written.records - done) };
  });
  const partial = { end, input, forwarder: forwarderStats, providers, ...(cloudwatch && { cloudwatch }) };
  return { ...partial, losses: lossesOf(partial) };
}
