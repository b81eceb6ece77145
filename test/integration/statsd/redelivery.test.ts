/**
 * De-duplication (docs/architecture.md#de-duplication) against the real npm `statsd` daemon: 12 Lambda
 * environments (log streams) write the same two series, their records reach the consumer through two
 * shards at once, one handler (one container) per shard. One shard's invocation gives up part-way (its
 * provider answers `retryable` from its fourth `send`, chunks of 7 data cutting documents in two), Lambda
 * redelivers from the returned sequence number, and the forwarder's retry writes some documents again in new
 * records. The daemon must then hold exactly the counts of one delivery. The same run without
 * de-duplication shows the duplicates are real: the counter is too high.
 */
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StatsdProvider } from '../../../functions/consumers/statsd/StatsdProvider.ts';
import { loadStatsdConfig } from '../../../functions/consumers/statsd/config.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import { fakeLambdaContext, kinesisEventFromRecords, redeliverFrom } from '../../../shared/consumer/testing/kinesisEvent.ts';
import type { MetricData, SendContext, SendResult, StreamingProvider } from '../../../shared/consumer/types.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { decodeRecord } from '../../../shared/record/format.ts';
import { shopScenario } from '../../helpers/shopScenario.ts';
import { startStatsdDaemon, type StatsdAggregates, type StatsdDaemon } from '../../helpers/statsdDaemon.ts';

const FAST_RETRY = { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 20, randomize: false } as const;

/**
 * The real StatsD provider, which answers `retryable` instead of sending from call `failFrom` on (a receiver
 * outage as the handler sees it; stopping the daemon would empty its aggregates). It notes every datum the
 * daemon got, by document, to tell which documents were delivered in full.
 */
class OutageAfter implements StreamingProvider {
  readonly name = 'statsd';
  readonly streaming = true;
  readonly maxBatchSize: number;
  failFrom = Number.POSITIVE_INFINITY;
  private calls = 0;
  /** Data the daemon got, by document (log stream and event id). */
  readonly sentByDocument = new Map<string, number>();

  constructor(readonly inner: StatsdProvider) {
    this.maxBatchSize = inner.maxBatchSize;
  }

  readonly send = async (data: MetricData, ctx: SendContext): Promise<SendResult> => {
    if (this.calls++ >= this.failFrom) return { status: 'retryable', error: new Error('injected outage') };
    const result = await this.inner.send(data, ctx);
    if (result.status === 'success') {
      data.forEach((d) => {
        const key = documentOf(d.source.logStream, d.source.eventId);
        this.sentByDocument.set(key, (this.sentByDocument.get(key) ?? 0) + 1);
      });
    }
    return result;
  };
}

const documentOf = (logStream: string, id: string) => `${logStream}\n${id}`;
/** Each shop document holds two data (Orders, Latency). */
const DATA_PER_DOCUMENT = 2;

/** The documents of `records`, by document key. */
function documentsIn(records: readonly KinesisStreamRecord[]): string[] {
  return records.flatMap((r) => {
    const record = decodeRecord(Buffer.from(r.kinesis.data, 'base64'));
    return record.documents.map((d) => documentOf(record.logStream, d.id));
  });
}

/** The forwarder writing the records again (its asynchronous retry): the same documents, new sequence numbers. */
function forwardedAgain(records: readonly KinesisStreamRecord[], shardId: string): KinesisStreamRecord[] {
  return kinesisEventFromRecords(records.map((r) => Buffer.from(r.kinesis.data, 'base64')), { shardId, firstSequenceNumber: 90_000_000_000_000_000_000n }).Records;
}

function ours(a: StatsdAggregates) {
  const counters = Object.entries(a.counters).filter(([k]) => !k.startsWith('statsd.'));
  return { counters: Object.fromEntries(counters), timers: a.timers, gauges: a.gauges };
}

/** Reads the daemon once `done` holds (or 5 s passed), and once more a moment later: a line still on its way would show. */
async function settle(daemon: StatsdDaemon, done: (a: ReturnType<typeof ours>) => boolean): Promise<ReturnType<typeof ours>> {
  const stop = Date.now() + 5_000;
  while (!done(ours(await daemon.read())) && Date.now() < stop) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 250));
  return ours(await daemon.read());
}

describe('real statsd daemon: redelivery and re-forwarded records, two shards at once', () => {
  let daemon: StatsdDaemon;
  beforeAll(async () => {
    daemon = await startStatsdDaemon();
  });
  afterAll(async () => {
    await daemon?.dispose();
  });
  beforeEach(async () => {
    await daemon.stop();
    await daemon.restart();
  });

  async function run(dedupDocuments: string) {
    const s = shopScenario({ environments: 12, documentsPerEnvironment: 12, shards: 2, documentsPerRecord: 4 });
    const env = { STATSD_PROTOCOL: 'tcp', STATSD_HOST: daemon.host, STATSD_PORT: String(daemon.tcpPort), STATSD_TIME_TYPE: 'timing', STATSD_MAX_BATCH_SIZE: '7' };
    const shards = s.shards.map((event) => {
      const provider = new OutageAfter(new StatsdProvider(loadStatsdConfig(env)));
      const summaries: ConsumerSummary[] = [];
      const handler = createConsumerHandler(provider, {
        env: { CONSUMER_DEDUP_DOCUMENTS: dedupDocuments }, logger: createMemoryLogger(), retry: FAST_RETRY, onSummary: (x) => summaries.push(x),
      });
      const invoke = async (e: KinesisStreamEvent) => (await handler(e, fakeLambdaContext({ remainingMs: 30_000 }))).batchItemFailures;
      return { event, provider, summaries, invoke };
    });
    const [a, b] = shards as [typeof shards[0], typeof shards[0]];
    try {
      // Shard a's first invocation gives up at its fourth send: 21 data confirmed, 10 documents and the first datum
      // of the 11th, so Lambda redelivers its third record (data 16–23); shard b's goes through. At once.
      a.provider.failFrom = 3;
      const [failedA, failedB] = await Promise.all([a.invoke(a.event), b.invoke(b.event)]);
      expect(failedA).toHaveLength(1);
      expect(failedB).toEqual([]);
      a.provider.failFrom = Number.POSITIVE_INFINITY;
      // Lambda redelivers shard a from the returned record; the forwarder writes shard b's first three records again.
      const redelivered = redeliverFrom(a.event, failedA[0]!.itemIdentifier);
      const again = { Records: forwardedAgain(b.event.Records.slice(0, 3), 'shardId-000000000001') };
      const delivered = new Map([...a.provider.sentByDocument, ...b.provider.sentByDocument]);
      const complete = (key: string) => delivered.get(key) === DATA_PER_DOCUMENT;
      const seenAgain = [...documentsIn(redelivered.Records), ...documentsIn(again.Records)].filter(complete).length;
      const [afterA, afterB] = await Promise.all([a.invoke(redelivered), b.invoke(again)]);
      expect([afterA, afterB]).toEqual([[], []]);
      const skipped = a.summaries[1]!.duplicates.documents + b.summaries[1]!.duplicates.documents;
      return { s, summaries: [...a.summaries, ...b.summaries], seenAgain, skipped };
    } finally {
      for (const x of shards) await x.provider.inner.close();
    }
  }

  it('the daemon holds the counts of one delivery; every document delivered before is passed over (hit rate 1.0)', async () => {
    const { s, summaries, seenAgain, skipped } = await run('100000');
    const got = await settle(daemon, (a) => (Object.values(a.timers).flat().length >= s.latenciesMs.length));
    expect(got.counters).toEqual({ 'Shop.Orders;service=orders': s.orders });
    expect([...got.timers['Shop.Latency;service=orders']!].sort((x, y) => x - y)).toEqual([...s.latenciesMs].sort((x, y) => x - y));
    // The summaries say the same: every datum delivered once, none dropped.
    expect(summaries.reduce((n, x) => n + x.delivered, 0)).toBe(s.orders * DATA_PER_DOCUMENT);
    expect(summaries.every((x) => x.dataDropped === 0)).toBe(true);
    // Documents redelivered or forwarded again after a complete delivery, and how many of them were passed over.
    expect(seenAgain).toBeGreaterThan(10);
    const hitRate = skipped / seenAgain;
    console.log(`statsd redelivery: ${skipped} of ${seenAgain} documents delivered before were passed over (hit rate ${hitRate})`);
    expect(hitRate).toBe(1);
    // The redelivered shard resumed a document cut by a chunk: its first datum counted as a duplicate datum.
    expect(summaries.reduce((n, x) => n + x.duplicates.data, 0)).toBe(skipped * DATA_PER_DOCUMENT + 1);
  });

  it('without de-duplication (CONSUMER_DEDUP_DOCUMENTS=0) the same run counts every order seen again once more', async () => {
    const { s, skipped, seenAgain } = await run('0');
    const got = await settle(daemon, (a) => (Object.values(a.timers).flat().length >= s.latenciesMs.length + seenAgain));
    expect(skipped).toBe(0);
    // The documents delivered before, and the Orders datum (a document's first) of the one cut in two.
    expect(got.counters['Shop.Orders;service=orders']).toBe(s.orders + seenAgain + 1);
  });
});
