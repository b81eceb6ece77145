/**
 * De-duplication (docs/architecture.md#de-duplication) against a real Prometheus in cumulative mode (the
 * default), with no out-of-order window: 16 Lambda environments write the same series
 * (test/helpers/shopScenario.ts), through two shards at once, one handler (one container) per shard. Then
 * Lambda retries shard a's whole batch (as it does when an invocation fails after its flush: a timeout, a
 * crash) while the forwarder's retry writes shard b's first records again with new sequence numbers. Prometheus
 * must hold exactly the counts of one delivery. Without de-duplication the same run counts them again.
 */
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BUCKETS, loadPrometheusConfig } from '../../../functions/consumers/prometheus/config.ts';
import { createPrometheusProvider } from '../../../functions/consumers/prometheus/PrometheusProvider.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import { fakeLambdaContext, kinesisEventFromRecords } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { decodeRecord } from '../../../shared/record/format.ts';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheus.ts';
import { shopScenario } from '../../helpers/shopScenario.ts';

let prom: PrometheusServer;
beforeEach(async () => {
  prom = await startPrometheus({ outOfOrderTimeWindow: '0s' });
});
afterEach(async () => {
  await prom?.stop();
});

const FAST_RETRY = { retries: 3, minTimeoutMs: 5, maxTimeoutMs: 20, randomize: true } as const;

const documentsIn = (records: readonly KinesisStreamRecord[]) =>
  records.reduce((n, r) => n + decodeRecord(Buffer.from(r.kinesis.data, 'base64')).documents.length, 0);

const one = async (expr: string) => {
  const r = await prom.instant(expr);
  expect(r, expr).toHaveLength(1);
  return r[0]!.value;
};

async function run(dedupDocuments: string) {
  const s = shopScenario({ environments: 16, documentsPerEnvironment: 10, shards: 2, documentsPerRecord: 5 });
  const shards = await Promise.all(
    s.shards.map(async (event) => {
      const provider = await createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: prom.remoteWriteUrl }));
      const summaries: ConsumerSummary[] = [];
      const handler = createConsumerHandler(provider, {
        env: { CONSUMER_DEDUP_DOCUMENTS: dedupDocuments }, logger: createMemoryLogger(), retry: FAST_RETRY, onSummary: (x) => summaries.push(x),
      });
      const invoke = async (e: KinesisStreamEvent) => (await handler(e, fakeLambdaContext({ remainingMs: 30_000 }))).batchItemFailures;
      return { event, summaries, invoke };
    }),
  );
  const [a, b] = shards as [typeof shards[0], typeof shards[0]];
  expect(await Promise.all([a.invoke(a.event), b.invoke(b.event)])).toEqual([[], []]);
  // Shard a's batch again, whole; shard b's first three records written again by the forwarder.
  const again = { Records: kinesisEventFromRecords(b.event.Records.slice(0, 3).map((r) => Buffer.from(r.kinesis.data, 'base64')), { firstSequenceNumber: 90_000_000_000_000_000_000n }).Records };
  const seenAgain = documentsIn(a.event.Records) + documentsIn(again.Records);
  expect(await Promise.all([a.invoke(a.event), b.invoke(again)])).toEqual([[], []]);
  const skipped = a.summaries[1]!.duplicates.documents + b.summaries[1]!.duplicates.documents;
  return { s, summaries: [...a.summaries, ...b.summaries], seenAgain, skipped };
}

describe('cumulative mode: a redelivered batch and re-forwarded records, two shards at once', () => {
  it('Prometheus holds the counts of one delivery; every document seen again is passed over (hit rate 1.0)', async () => {
    const { s, summaries, seenAgain, skipped } = await run('100000');
    expect(await one('sum(shop_orders_total)')).toBe(s.orders);
    expect(await one('sum(shop_latency_seconds_count)')).toBe(s.latenciesMs.length);
    expect(await one('sum(shop_latency_seconds_sum)')).toBeCloseTo(s.latenciesMs.reduce((x, y) => x + y, 0) / 1000, 9);
    const buckets = await prom.instant('sum by (le) (shop_latency_seconds_bucket)');
    const want = [...DEFAULT_BUCKETS, Number.POSITIVE_INFINITY].map((le) => [le === Number.POSITIVE_INFINITY ? '+Inf' : String(le), s.latenciesMs.filter((ms) => ms / 1000 <= le).length]);
    expect(Object.fromEntries(buckets.map((x) => [x.labels.le, x.value]))).toEqual(Object.fromEntries(want));
    expect(await one('count(shop_orders_total)'), 'one writer per container').toBe(2);
    expect(summaries.every((x) => x.dataDropped === 0)).toBe(true);
    // [a, a again, b, b's records again]: the second invocations delivered nothing.
    expect([summaries[1]!.delivered, summaries[3]!.delivered]).toEqual([0, 0]);
    const hitRate = skipped / seenAgain;
    console.log(`prometheus redelivery: ${skipped} of ${seenAgain} documents delivered before were passed over (hit rate ${hitRate})`);
    expect(seenAgain).toBe(s.orders / 2 + 15);
    expect(hitRate).toBe(1);
  });

  it('without de-duplication (CONSUMER_DEDUP_DOCUMENTS=0) the same run counts every order seen again once more', async () => {
    const { s, seenAgain, skipped } = await run('0');
    expect(skipped).toBe(0);
    expect(await one('sum(shop_orders_total)')).toBe(s.orders + seenAgain);
  });
});
