/**
 * The contract every provider's tests run (vitest): real Kinesis-shaped events built from the
 * real record format go through `createConsumerHandler(provider)`, and the provider's own
 * receiver (an HTTP server, Prometheus, a StatsD daemon…) is asked what it got.
 *
 * Failures are injected in two ways: at the provider boundary by a scripting wrapper (works for
 * any receiver), and optionally at the receiver itself via `receiverFaults`.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../log/logger.ts';
import { createConsumerHandler, type ConsumerHandlerOptions } from '../createConsumerHandler.ts';
import type { ConsumerSummary } from '../summary.ts';
import type { AnyProvider, MetricData, MetricDatum, Provider, SendContext, SendResult, StreamingProvider } from '../types.ts';
import { contractBatch, DEEP_PROPERTY, type ValueShape } from './contractBatch.ts';
import { fakeLambdaContext, redeliverFrom } from './kinesisEvent.ts';

export interface ProviderContractSubject {
  /** Shown in the test names. */
  name: string;
  /** A provider sending to the receiver (called once per scenario): a plain `Provider` or a `StreamingProvider`. */
  makeProvider(): AnyProvider | Promise<AnyProvider>;
  /** Every key the receiver has received so far; polled until the expectation holds or `settleTimeoutMs` passes. */
  received(): Promise<readonly string[]>;
  /** The keys the receiver reports for one datum (e.g. one StatsD line per value); unique per datum. */
  keysOf(datum: MetricDatum): readonly string[];
  /** Before each scenario (e.g. clear the receiver). */
  reset?(): Promise<void>;
  /** Value shapes the provider supports. @default all three */
  shapes?: readonly ValueShape[];
  /** How long to wait for an asynchronous receiver (StatsD flush interval, Prometheus ingestion). @default 5000 */
  settleTimeoutMs?: number;
  /** Make the real receiver fail; each returns a function that heals it. */
  receiverFaults?: {
    /** e.g. answer 503, or stop the daemon: the provider must return `retryable`. */
    retryable?(): Promise<() => Promise<void>>;
    /** e.g. answer 400: the provider must return `failure`. */
    permanent?(): Promise<() => Promise<void>>;
  };
}

type Answer = SendResult | 'pass';

/**
 * Wraps a provider so that chosen `send` calls answer without reaching it; the others pass through.
 * The wrapper is of the same kind as `inner` (plain or streaming), so `inner` gets the data it expects.
 */
export function scriptedProvider(inner: Provider, maxBatchSize: number, answer: (call: number, data: MetricData) => Answer): Provider;
export function scriptedProvider(inner: StreamingProvider, maxBatchSize: number, answer: (call: number, data: MetricData) => Answer): StreamingProvider;
export function scriptedProvider(inner: AnyProvider, maxBatchSize: number, answer: (call: number, data: MetricData) => Answer): AnyProvider;
export function scriptedProvider(inner: AnyProvider, maxBatchSize: number, answer: (call: number, data: MetricData) => Answer): AnyProvider {
  let call = 0;
  const base = { name: inner.name, maxBatchSize, ...(inner.flush ? { flush: (ctx: SendContext) => inner.flush!(ctx) } : {}) };
  if (inner.streaming === true) {
    return {
      ...base,
      streaming: true,
      send: async (data, ctx) => {
        const a = answer(call++, data);
        return a === 'pass' ? inner.send(data, ctx) : a;
      },
    };
  }
  return {
    ...base,
    send: async (data, ctx) => {
      const a = answer(call++, data);
      return a === 'pass' ? inner.send(data, ctx) : a;
    },
  };
}

const FAST_RETRY = { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5, randomize: true } as const;

async function run(provider: AnyProvider, event: Parameters<ReturnType<typeof createConsumerHandler>>[0], opts: Partial<ConsumerHandlerOptions> = {}, remainingMs = 30_000) {
  let summary: ConsumerSummary | undefined;
  const logger = createMemoryLogger();
  const handler = createConsumerHandler(provider, { env: {}, logger, retry: FAST_RETRY, ...opts, onSummary: (s) => (summary = s) });
  const response = await handler(event, fakeLambdaContext({ remainingMs }));
  if (!summary) throw new Error('onSummary was not called');
  return { response, summary, logger };
}

/**
 * Registers the contract's scenarios in a `describe` block.
 *
 * @example
 * describeProviderContract({
 *   name: 'example-http',
 *   makeProvider: () => new JsonLinesHttpProvider({ url: server.url, maxBatchSize: 50, timeoutMs: 5000 }),
 *   received: async () => server.lines.map((l) => datumKey(JSON.parse(l))),
 *   keysOf: (d) => [datumKey(d)],
 *   reset: async () => server.clear(),
 * });
 */
export function describeProviderContract(subject: ProviderContractSubject): void {
  const shapes = subject.shapes ?? (['number', 'array', 'statistics'] as const);
  const settle = subject.settleTimeoutMs ?? 5_000;
  let runId = 0;
  const tag = (scenario: string) => `c${Date.now().toString(36)}${runId++}_${scenario}`;

  /** Polls the receiver until it holds every expected key (reports the missing ones otherwise). */
  async function expectReceived(data: readonly MetricDatum[]): Promise<Set<string>> {
    const want = data.flatMap((d) => subject.keysOf(d));
    const stop = Date.now() + settle;
    let got = new Set<string>();
    for (;;) {
      got = new Set(await subject.received());
      if (want.every((k) => got.has(k)) || Date.now() > stop) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(want.filter((k) => !got.has(k)), 'keys the receiver never got').toEqual([]);
    return got;
  }

  describe(`provider contract: ${subject.name}`, () => {
    beforeEach(async () => {
      await subject.reset?.();
    });

    it('delivers every datum of every record (gzip and plain records, several documents per record)', async () => {
      const { event, expected } = contractBatch({ tag: tag('all'), records: 4, docsPerRecord: 3, metricsPerDoc: 3, shapes });
      const { response, summary } = await run(await subject.makeProvider(), event);
      expect(response.batchItemFailures).toEqual([]);
      expect(summary.delivered).toBe(expected.flat().length);
      expect(summary.dropped).toEqual({});
      await expectReceived(expected.flat());
    });

    it('retryable: a retryable answer is retried and then everything is delivered', async () => {
      const { event, expected } = contractBatch({ tag: tag('retry'), records: 3, docsPerRecord: 1, metricsPerDoc: 2, shapes });
      const provider = await subject.makeProvider();
      const size = Math.min(3, provider.maxBatchSize ?? 3);
      const { response, summary } = await run(
        scriptedProvider(provider, size, (call) => (call === 1 ? { status: 'retryable', error: new Error('injected 503') } : 'pass')),
        event,
      );
      expect(response.batchItemFailures).toEqual([]);
      expect(summary.retries).toBe(1);
      expect(summary.delivered).toBe(expected.flat().length);
      await expectReceived(expected.flat());
    });

    it('retryable until retries give up: reports the first record not fully delivered; nothing is lost across the redelivery', async () => {
      // Two data per record; chunk k starts at datum k·size. With size 3, chunk 1 starts inside record 1,
      // whose first datum went out in chunk 0 (a partly delivered record).
      const { event, expected } = contractBatch({ tag: tag('stuck'), records: 5, docsPerRecord: 1, metricsPerDoc: 2, shapes });
      const provider = await subject.makeProvider();
      const size = Math.min(3, provider.maxBatchSize ?? 3);
      const failingChunk = size >= 2 ? 1 : 2;
      const failingRecord = Math.floor((failingChunk * size) / 2);
      const stuck = await run(
        scriptedProvider(provider, size, (call) => (call >= failingChunk ? { status: 'retryable', error: new Error('injected 503') } : 'pass')),
        event,
      );
      // A buffering provider (with `flush`) is not flushed after a send gave up: it gets every record again.
      const resumeAt = provider.flush === undefined ? failingRecord : 0;
      const seq = event.Records[resumeAt]!.kinesis.sequenceNumber;
      expect(stuck.response.batchItemFailures).toEqual([{ itemIdentifier: seq }]);
      expect(stuck.summary.redelivery?.records).toBe(event.Records.length - resumeAt);
      expect(stuck.summary.delivered).toBe(provider.flush === undefined ? failingChunk * size : 0);

      const again = await run(provider, redeliverFrom(event, seq));
      expect(again.response.batchItemFailures).toEqual([]);
      expect(again.summary.delivered).toBe(expected.slice(resumeAt).flat().length);
      await expectReceived(expected.flat());
    });

    it('permanent failure: the chunk is dropped and counted with its reason, the rest delivered, nothing blocked', async () => {
      const { event, expected } = contractBatch({ tag: tag('perm'), records: 3, docsPerRecord: 2, metricsPerDoc: 2, shapes });
      const provider = await subject.makeProvider();
      const size = Math.min(3, provider.maxBatchSize ?? 3);
      const { response, summary } = await run(
        scriptedProvider(provider, size, (call) => (call === 0 ? { status: 'failure', error: new Error('injected 400: bad data'), reason: 'contract_rejected' } : 'pass')),
        event,
      );
      const all = expected.flat();
      expect(response.batchItemFailures).toEqual([]);
      expect(summary.dropped).toEqual({ contract_rejected: size });
      expect(summary.dataDropped).toBe(size);
      expect(summary.delivered).toBe(all.length - size);
      const got = await expectReceived(all.slice(size));
      const rejected = all.slice(0, size).flatMap((d) => subject.keysOf(d));
      expect(rejected.filter((k) => got.has(k)), 'rejected data must not reach the receiver').toEqual([]);
    });

    it('undecodable records are counted and skipped; the records around them are delivered', async () => {
      const { event, expected } = contractBatch({ tag: tag('corrupt'), records: 4, docsPerRecord: 1, metricsPerDoc: 2, shapes, corrupt: [1] });
      const { response, summary } = await run(await subject.makeProvider(), event);
      expect(response.batchItemFailures).toEqual([]);
      expect(summary.recordsUndecodable).toBe(1);
      expect(summary.dropped).toEqual({ record_gzip_invalid: 1 });
      await expectReceived(expected.flat());
    });

    it('a datum with a property nested 20,000 deep is delivered or dropped with a reason, never retried; its neighbours are delivered', async () => {
      const { event, expected } = contractBatch({ tag: tag('deep'), records: 3, docsPerRecord: 2, metricsPerDoc: 2, shapes, deepProperty: [1] });
      const { response, summary } = await run(await subject.makeProvider(), event);
      expect(response.batchItemFailures).toEqual([]);
      expect(summary.retries).toBe(0);
      const deepData = expected.flat().filter((d) => d.properties.detail === DEEP_PROPERTY);
      expect(deepData.length).toBeGreaterThan(0);
      // What is not delivered is counted: at most the deep document's data.
      expect(summary.delivered + summary.dataDropped).toBe(expected.flat().length);
      expect(summary.dataDropped).toBeLessThanOrEqual(deepData.length);
      await expectReceived(expected.flat().filter((d) => d.properties.detail !== DEEP_PROPERTY));
    });

    if (subject.receiverFaults?.retryable) {
      const fault = subject.receiverFaults.retryable;
      it('a real retryable receiver fault ends in a batch item failure at the first record; redelivery delivers everything', async () => {
        const { event, expected } = contractBatch({ tag: tag('rfault'), records: 2, docsPerRecord: 1, metricsPerDoc: 2, shapes });
        const provider = await subject.makeProvider();
        const heal = await fault();
        let first;
        try {
          first = await run(provider, event, {}, 3_000);
        } finally {
          await heal();
        }
        expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.kinesis.sequenceNumber }]);
        expect(first.summary.delivered).toBe(0);
        const again = await run(provider, event);
        expect(again.response.batchItemFailures).toEqual([]);
        await expectReceived(expected.flat());
      });
    }

    if (subject.receiverFaults?.permanent) {
      const fault = subject.receiverFaults.permanent;
      it('a real permanent receiver fault drops the data with a reason and does not block', async () => {
        const { event, expected } = contractBatch({ tag: tag('pfault'), records: 2, docsPerRecord: 1, metricsPerDoc: 2, shapes });
        const provider = await subject.makeProvider();
        const heal = await fault();
        let result;
        try {
          result = await run(provider, event);
        } finally {
          await heal();
        }
        expect(result.response.batchItemFailures).toEqual([]);
        expect(result.summary.dataDropped).toBe(expected.flat().length);
        expect(result.summary.delivered).toBe(0);
        expect(Object.keys(result.summary.dropped).length).toBeGreaterThan(0);
      });
    }
  });
}
