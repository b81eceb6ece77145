/**
 * An emulator of Lambda's Kinesis event source mapping (ESM), so `npm start` runs the consumer
 * handlers exactly as Lambda would: every shard polled with the real SDK (GetShardIterator /
 * GetRecords), one batch in flight per shard (ParallelizationFactor 1), genuine Kinesis events,
 * BatchSize, MaximumBatchingWindowInSeconds and the 6 MB payload limit honoured, and on failure
 * the records re-read from the failed sequence number:
 *
 * - `{batchItemFailures}` (ReportBatchItemFailures): checkpoint at the lowest reported sequence
 *   number; retry from there.
 * - the handler throws, times out, or answers with an ill-keyed `itemIdentifier`: the whole batch
 *   is retried.
 * - after `maxRetryAttempts` retries at the same checkpoint the remaining records of the batch are
 *   discarded (Lambda would send them to the on-failure destination) and reported as lost; reading
 *   goes on after them. A retry that moves the checkpoint forward starts the count afresh.
 *
 * Parameters: https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html
 */
import { ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../shared/log/logger.ts';
import { EVENT_ENVELOPE_BYTES, invocationContext, readBatchResponse, type BatchVerdict, type EventIdentity, type PreparedRecord } from './lambdaKinesis.ts';
import { ShardReader } from './ShardReader.ts';

/** A Kinesis-triggered Lambda handler (the consumer handlers, or any user function). */
export type KinesisHandler = (event: KinesisStreamEvent, context: Context) => Promise<unknown>;

export interface EventSourceMappingOptions {
  client: KinesisClient;
  streamName: string;
  functionName: string;
  handler: KinesisHandler;
  region: string;
  /** @default '000000000000' */
  accountId?: string;
  /** BatchSize: 1–10,000. @default 100 (Lambda's default) */
  batchSize?: number;
  /** MaximumBatchingWindowInSeconds, in ms: 0–300,000. @default 0 */
  batchingWindowMs?: number;
  /** @default 'TRIM_HORIZON' */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** MaximumRetryAttempts; -1 retries for ever (Lambda's default, bounded there by the record age). @default 3 */
  maxRetryAttempts?: number;
  /** Delay before the first retry of a batch; doubles per retry up to `maxRetryDelayMs`. @default 200 */
  retryDelayMs?: number;
  /** @default 5000 */
  maxRetryDelayMs?: number;
  /** The function's timeout: the context's deadline; a handler still running then is a function error. @default 60000 */
  timeoutMs?: number;
  /** Wait between polls of an idle shard (Lambda polls about once per second). @default 250 */
  pollIntervalMs?: number;
  /** Largest event, as JSON bytes. @default 6 MiB (the synchronous invocation payload limit) */
  maxPayloadBytes?: number;
  logger?: Logger;
  observer?: EsmObserver;
}

/** One invocation as the mapping saw it. */
export interface InvocationReport {
  shardId: string;
  records: number;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  /** True when the first record had been delivered before (a retry). */
  retry: boolean;
  verdict: BatchVerdict | { kind: 'error'; error: string };
}

/** Records given up on after the retries: what Lambda would send to the on-failure destination. */
interface DiscardReport {
  shardId: string;
  records: number;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  attempts: number;
  error: string;
}

interface EsmObserver {
  onPoll?(shardId: string, records: number): void;
  onInvocation?(report: InvocationReport): void;
  onDiscard?(report: DiscardReport): void;
}

export interface EsmStats {
  invocations: number;
  /** Invocations whose first record had been delivered before. */
  retries: number;
  /** Records checkpointed: the function took them (each counted once, however often it was retried). */
  recordsProcessed: number;
  recordsDiscarded: number;
  /** Invocations that threw or timed out. */
  functionErrors: number;
  /** Invocations answered with a non-empty `batchItemFailures` (valid or not). */
  partialFailures: number;
  discards: DiscardReport[];
}

export interface EventSourceMapping {
  /** Lists the shards and opens an iterator on each, then polls them until `stop`. */
  start(): Promise<void>;
  /** Resolves once every record written before the call has been processed or discarded. */
  drain(): Promise<void>;
  /** Stops polling; waits for invocations in flight (bounded by the function timeout). */
  stop(): Promise<void>;
  readonly stats: Readonly<EsmStats>;
}

interface ShardState {
  reader: ShardReader;
  /** Consecutive failures at the current checkpoint. */
  failures: number;
  /** Highest drain generation for which a poll found the shard empty. */
  idleGeneration: number;
  /** Sequence number of the last record delivered (to tell a retry from a first delivery). */
  lastDelivered?: bigint;
}

export function createEventSourceMapping(opts: EventSourceMappingOptions): EventSourceMapping {
  const batchSize = checkRange('batchSize', opts.batchSize ?? 100, 1, 10_000);
  const windowMs = checkRange('batchingWindowMs', opts.batchingWindowMs ?? 0, 0, 300_000);
  const maxRetries = checkRange('maxRetryAttempts', opts.maxRetryAttempts ?? 3, -1, 10_000);
  const timeoutMs = checkRange('timeoutMs', opts.timeoutMs ?? 60_000, 1, 900_000);
  const pollMs = opts.pollIntervalMs ?? 250;
  const maxPayload = opts.maxPayloadBytes ?? 6 * 1024 * 1024;
  const identity: EventIdentity = { region: opts.region, accountId: opts.accountId ?? '000000000000', streamName: opts.streamName, functionName: opts.functionName };
  const stats: EsmStats = { invocations: 0, retries: 0, recordsProcessed: 0, recordsDiscarded: 0, functionErrors: 0, partialFailures: 0, discards: [] };
  const stopping = new AbortController();
  const shards: ShardState[] = [];
  const loops: Promise<void>[] = [];
  const abandoned = new Set<Promise<unknown>>();
  let generation = 0;
  let waiters: { target: number; resolve: () => void }[] = [];

  const nap = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);
  const notify = () => {
    waiters = waiters.filter((w) => {
      const done = stopping.signal.aborted || shards.every((s) => s.reader.closed || s.idleGeneration >= w.target);
      if (done) w.resolve();
      return !done;
    });
  };

  /** Gathers one batch: up to BatchSize records and the payload limit, waiting up to the batching window. */
  async function collect(shard: ShardState): Promise<PreparedRecord[]> {
    const batch: PreparedRecord[] = [];
    let bytes = EVENT_ENVELOPE_BYTES;
    let windowEnds: number | undefined;
    for (;;) {
      const seen = generation;
      if (shard.reader.buffered === 0) {
        const n = await shard.reader.fetch(batchSize - batch.length, stopping.signal);
        opts.observer?.onPoll?.(shard.reader.shardId, n);
        if (n === 0 && batch.length === 0) {
          shard.idleGeneration = seen;
          notify();
          return batch;
        }
      }
      const { records, full } = shard.reader.take(batchSize - batch.length, maxPayload - bytes - (batch.length > 0 ? 1 : 0));
      for (const r of records) {
        bytes += r.bytes + (batch.length > 0 ? 1 : 0);
        batch.push(r);
      }
      if (full || batch.length >= batchSize || shard.reader.closed || stopping.signal.aborted) return batch;
      windowEnds ??= Date.now() + windowMs;
      const left = windowEnds - Date.now();
      if (left <= 0) return batch;
      if (shard.reader.buffered === 0) await nap(Math.min(pollMs, left));
    }
  }

  async function invoke(batch: PreparedRecord[]): Promise<BatchVerdict | { kind: 'error'; error: string }> {
    const event: KinesisStreamEvent = { Records: batch.map((r) => r.record) };
    const running = Promise.resolve().then(() => opts.handler(event, invocationContext(identity, timeoutMs)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      const answer = await Promise.race([running, timeout]);
      if (answer === 'timeout') {
        // Lambda would stop the sandbox; in-process the call runs on, so `stop` waits for it.
        const settled = running.catch(() => undefined);
        abandoned.add(settled);
        void settled.finally(() => abandoned.delete(settled));
        return { kind: 'error', error: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` };
      }
      return readBatchResponse(answer, batch);
    } catch (err) {
      return { kind: 'error', error: `${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  async function handleBatch(shard: ShardState, batch: PreparedRecord[]): Promise<void> {
    const first = batch[0]!;
    const retry = shard.lastDelivered !== undefined && BigInt(first.sequenceNumber) <= shard.lastDelivered;
    const last = batch.at(-1)!;
    shard.lastDelivered = shard.lastDelivered === undefined || BigInt(last.sequenceNumber) > shard.lastDelivered ? BigInt(last.sequenceNumber) : shard.lastDelivered;
    const verdict = await invoke(batch);
    stats.invocations++;
    if (retry) stats.retries++;
    if (verdict.kind === 'error') stats.functionErrors++;
    if (verdict.kind === 'partial' || verdict.kind === 'invalid') stats.partialFailures++;
    opts.observer?.onInvocation?.({ shardId: shard.reader.shardId, records: batch.length, firstSequenceNumber: first.sequenceNumber, lastSequenceNumber: last.sequenceNumber, retry, verdict });
    if (verdict.kind === 'success') {
      stats.recordsProcessed += batch.length;
      shard.failures = 0;
      return;
    }
    const failedIndex = verdict.kind === 'partial' ? verdict.failedIndex : 0;
    const error = verdict.kind === 'partial' ? `the function reported ${verdict.sequenceNumber} as failed` : verdict.error;
    stats.recordsProcessed += failedIndex;
    shard.failures = failedIndex > 0 ? 1 : shard.failures + 1;
    const rest = batch.slice(failedIndex);
    if (maxRetries >= 0 && shard.failures > maxRetries) {
      const report: DiscardReport = {
        shardId: shard.reader.shardId, records: rest.length, attempts: shard.failures, error,
        firstSequenceNumber: rest[0]!.sequenceNumber, lastSequenceNumber: last.sequenceNumber,
      };
      stats.recordsDiscarded += rest.length;
      stats.discards.push(report);
      opts.logger?.error('event source mapping discarded records after exhausting its retries (Lambda would send them to the on-failure destination)', { functionName: opts.functionName, ...report });
      opts.observer?.onDiscard?.(report);
      shard.failures = 0;
      await shard.reader.reposition({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last.sequenceNumber }, stopping.signal);
      return;
    }
    opts.logger?.warn('event source mapping will retry', { functionName: opts.functionName, shardId: shard.reader.shardId, fromSequenceNumber: rest[0]!.sequenceNumber, records: rest.length, attempt: shard.failures, error });
    await nap(Math.min(opts.maxRetryDelayMs ?? 5_000, (opts.retryDelayMs ?? 200) * 2 ** (shard.failures - 1)));
    await shard.reader.reposition({ type: 'AT_SEQUENCE_NUMBER', sequenceNumber: rest[0]!.sequenceNumber }, stopping.signal);
  }

  async function run(shard: ShardState): Promise<void> {
    while (!stopping.signal.aborted && !shard.reader.closed) {
      try {
        const batch = await collect(shard);
        if (batch.length > 0) await handleBatch(shard, batch);
        else await nap(pollMs);
      } catch (err) {
        if (stopping.signal.aborted) break;
        // Throttling or a transient error of the stream: Lambda keeps polling; so do we, after a pause.
        opts.logger?.warn('event source mapping could not read the shard; polling again', { functionName: opts.functionName, shardId: shard.reader.shardId, error: (err as Error).message });
        await nap(Math.max(pollMs, 500));
      }
    }
    notify();
  }

  return {
    stats,
    async start() {
      const ids: string[] = [];
      let token: string | undefined;
      do {
        const out = await opts.client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: opts.streamName }));
        for (const s of out.Shards ?? []) if (s.ShardId) ids.push(s.ShardId);
        token = out.NextToken;
      } while (token);
      for (const id of ids) {
        const reader = new ShardReader(opts.client, id, identity, { type: opts.startingPosition ?? 'TRIM_HORIZON' });
        await reader.open(stopping.signal);
        shards.push({ reader, failures: 0, idleGeneration: 0 });
      }
      for (const s of shards) loops.push(run(s));
    },
    drain() {
      const target = ++generation;
      return new Promise<void>((resolve) => {
        waiters.push({ target, resolve });
        notify();
      });
    },
    async stop() {
      stopping.abort();
      notify();
      await Promise.all(loops);
      await Promise.all(abandoned);
    },
  };
}

function checkRange(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`event source mapping: ${name} must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}
