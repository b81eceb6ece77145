/**
 * `PROM_RW_MODE=cumulative` (the default) against a real Prometheus 2.42 with NO out-of-order
 * window: 50 Lambda environments write the same series (test/helpers/shopScenario.ts), their
 * records reach the consumer through 4 shards, and Prometheus must then hold exactly what
 * CloudWatch would count: 1,000 orders, 1,000 latencies and their sum, bucket by bucket, whether the
 * shards run one after another or at once, in one container or four, and across a retried flush
 * and a redelivery after a flush that gave up.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import { fakeLambdaContext, redeliverFrom } from '../../../shared/consumer/testing/kinesisEvent.ts';
import type { AnyProvider as Provider } from '../../../shared/consumer/types.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { DEFAULT_BUCKETS, loadPrometheusConfig } from '../../../functions/consumers/prometheus/config.ts';
import { createPrometheusProvider } from '../../../functions/consumers/prometheus/PrometheusProvider.ts';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheus.ts';
import { seriesNames, startScriptedReceiver, type ScriptedReceiver } from '../../helpers/prometheusReceiver.ts';
import { shopScenario, type ShopScenario } from '../../helpers/shopScenario.ts';

let prom: PrometheusServer;
let proxy: ScriptedReceiver | undefined;
beforeEach(async () => {
  prom = await startPrometheus({ outOfOrderTimeWindow: '0s' });
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await prom?.stop();
});

const FAST_RETRY = { retries: 3, minTimeoutMs: 5, maxTimeoutMs: 20, randomize: true } as const;

const makeProvider = (url = prom.remoteWriteUrl, env: Record<string, string> = {}) => createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: url, ...env }));

async function run(provider: Provider, event: KinesisStreamEvent, remainingMs = 30_000): Promise<{ summary: ConsumerSummary; failures: { itemIdentifier: string }[] }> {
  let summary: ConsumerSummary | undefined;
  const handler = createConsumerHandler(provider, { env: {}, logger: createMemoryLogger(), retry: FAST_RETRY, onSummary: (s) => (summary = s) });
  const response = await handler(event, fakeLambdaContext({ remainingMs }));
  return { summary: summary!, failures: response.batchItemFailures };
}

function expectAllDelivered(results: { summary: ConsumerSummary; failures: unknown[] }[]): void {
  for (const { summary, failures } of results) {
    expect(failures).toEqual([]);
    expect(summary.dropped).toEqual({});
    expect(summary.delivered).toBe(summary.data);
  }
}

const one = async (expr: string) => {
  const r = await prom.instant(expr);
  expect(r, expr).toHaveLength(1);
  return r[0]!.value;
};

/** Prometheus holds exactly the scenario's counts: orders, latency count and sum, and every bucket. */
async function expectExact(s: ShopScenario, writers: number): Promise<void> {
  expect(await one('sum(shop_orders_total)')).toBe(s.orders);
  expect(await one('sum(shop_latency_seconds_count)')).toBe(s.latenciesMs.length);
  const sum = s.latenciesMs.reduce((a, b) => a + b, 0) / 1000;
  expect(await one('sum(shop_latency_seconds_sum)')).toBeCloseTo(sum, 9);
  const buckets = await prom.instant('sum by (le) (shop_latency_seconds_bucket)');
  const want = [...DEFAULT_BUCKETS, Number.POSITIVE_INFINITY].map((b) => [b === Number.POSITIVE_INFINITY ? '+Inf' : String(b), s.latenciesMs.filter((ms) => ms / 1000 <= b).length]);
  expect(Object.fromEntries(buckets.map((b) => [b.labels.le, b.value]))).toEqual(Object.fromEntries(want));
  expect(await one('count(shop_orders_total)'), 'one series per writer').toBe(writers);
}

describe('cumulative mode: 50 environments, 4 shards, Prometheus without an out-of-order window', () => {
  it('shards one after another in one container: exact counts, and increase() sees every observation', async () => {
    const s = shopScenario();
    const provider = await makeProvider();
    const results = [];
    for (const shard of s.shards) results.push(await run(provider, shard));
    expectAllDelivered(results);
    await expectExact(s, 1);
    expect(await one('count(shop_orders_total{service="orders",emf_fanout_writer=~"[0-9a-f]{12}"})')).toBe(1);

    // increase() over a window that ends at the series' last sample: the 0 sample before the first value
    // lets it count the first invocation's observations, and there is nothing to extrapolate at either end.
    const [series] = await prom.rawSeries('shop_orders_total');
    const last = series!.samples.at(-1)![0];
    expect(series!.samples[0]).toEqual([series!.samples[1]![0] - 1, 0]);
    const inc = await prom.instant('sum(increase(shop_orders_total[10m]))', last);
    expect(inc[0]!.value).toBe(s.orders);
  });

  it('shards at once, one container each (four writers): exact counts, summed over writers', async () => {
    const s = shopScenario();
    const providers = await Promise.all(s.shards.map(() => makeProvider()));
    const results = await Promise.all(s.shards.map((shard, i) => run(providers[i]!, shard)));
    expectAllDelivered(results);
    await expectExact(s, 4);
  });

  it('shards at once in one process (as npm start runs them): flushes queue, one writer, exact counts', async () => {
    const s = shopScenario();
    const provider = await makeProvider();
    const results = await Promise.all(s.shards.map((shard) => run(provider, shard)));
    expectAllDelivered(results);
    await expectExact(s, 1);
  });

  it('a retryable failure mid-flush is retried within the invocation: nothing counted twice', async () => {
    const s = shopScenario();
    proxy = await startScriptedReceiver({ forwardTo: prom.remoteWriteUrl });
    // Small requests, so a flush is several requests and some are accepted before the failures.
    const provider = await makeProvider(proxy.url, { PROM_RW_MAX_SAMPLES_PER_REQUEST: '8' });
    let failed = 0;
    proxy.answer = (_r, i) => (i >= 3 && failed < 4 ? (failed++, { status: 503, body: 'injected' }) : 'forward');
    const results = [];
    for (const shard of s.shards) results.push(await run(provider, shard));
    expectAllDelivered(results);
    expect(failed).toBe(4);
    expect(results.reduce((n, r) => n + r.summary.retries, 0)).toBeGreaterThan(0);
    await expectExact(s, 1);
  });

  it('a flush that gives up mid-way (some requests accepted) and the redelivery that follows: nothing counted twice', async () => {
    const s = shopScenario();
    proxy = await startScriptedReceiver({ forwardTo: prom.remoteWriteUrl });
    const provider = await makeProvider(proxy.url, { PROM_RW_MAX_SAMPLES_PER_REQUEST: '8' });
    const results = [];
    results.push(await run(provider, s.shards[0]!));
    // Shard 1: the first two requests of its flush are accepted, every later one fails until the invocation gives up.
    const before = proxy.requests.length;
    proxy.answer = (_r, i) => (i >= before + 2 ? { status: 503, body: 'injected outage' } : 'forward');
    const stuck = await run(provider, s.shards[1]!, 1_500);
    expect(stuck.failures).toEqual([{ itemIdentifier: s.shards[1]!.Records[0]!.kinesis.sequenceNumber }]);
    expect(stuck.summary.delivered).toBe(0);
    expect(proxy.requests.length).toBeGreaterThan(before + 2);
    // Part of shard 1 is in Prometheus now, uncommitted: those series are ahead of the committed state. Shard 2
    // (fewer orders than shard 1) comes first: its totals are below what Prometheus holds, so they are held back
    // rather than written as a counter reset, until the redelivery of shard 1 takes them past it.
    proxy.answer = () => 'forward';
    results.push(await run(provider, s.shards[2]!));
    const again = await run(provider, redeliverFrom(s.shards[1]!, stuck.failures[0]!.itemIdentifier));
    results.push(again, await run(provider, s.shards[3]!));
    expectAllDelivered(results);
    await expectExact(s, 1);
    // And no false counter reset anywhere: every cumulative series only ever went up.
    for (const series of await prom.rawSeries('{__name__=~"shop_.*(_total|_count|_bucket)"}')) {
      const values = series.samples.map(([, v]) => v);
      expect(values, JSON.stringify(series.labels)).toEqual([...values].sort((a, b) => a - b));
    }
  });

  it('a request the receiver rejects (400) drops exactly the data of the series it carried, counted; the rest is delivered and later counts stay exact', async () => {
    const s = shopScenario({ environments: 8, documentsPerEnvironment: 5, shards: 2 });
    proxy = await startScriptedReceiver({ forwardTo: prom.remoteWriteUrl });
    // Two samples per request: each request carries one series (its 0 sample and its value).
    const provider = await makeProvider(proxy.url, { PROM_RW_MAX_SAMPLES_PER_REQUEST: '2' });
    proxy.answer = (r) => (seriesNames(r).includes('shop_orders_total') ? { status: 400, body: 'injected: series rejected' } : 'forward');
    const first = await run(provider, s.shards[0]!);
    const orders = s.shards[0]!.Records.length * 5; // one Orders datum per document
    expect(first.failures).toEqual([]);
    expect(first.summary.dropped).toEqual({ prometheus_http_400: orders });
    expect(first.summary.delivered).toBe(first.summary.data - orders);
    expect(await prom.instant('shop_orders_total')).toEqual([]);
    expect(await one('sum(shop_latency_seconds_count)')).toBe(orders);
    // The rejected orders never entered the state: the next invocation's total holds only its own.
    proxy.answer = () => 'forward';
    expectAllDelivered([await run(provider, s.shards[1]!)]);
    expect(await one('sum(shop_orders_total)')).toBe(s.shards[1]!.Records.length * 5);
    expect(await one('sum(shop_latency_seconds_count)')).toBe(s.latenciesMs.length);
  });
});

describe('samples mode on the same scenario: its documented limit', () => {
  it('without an out-of-order window, writers of one series collide: the loss is counted, and Prometheus holds fewer than 1,000 orders', async () => {
    const s = shopScenario();
    const provider = await makeProvider(prom.remoteWriteUrl, { PROM_RW_MODE: 'samples' });
    const results = [];
    for (const shard of s.shards) results.push(await run(provider, shard));
    const dropped = results.reduce((n, r) => n + r.summary.dataDropped, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(results.flatMap((r) => Object.keys(r.summary.dropped))).toEqual(expect.arrayContaining([expect.stringMatching(/^prometheus_(out_of_order|duplicate_sample)$/)]));
    const held = await one('sum(sum_over_time(shop_orders[1h]))');
    expect(held).toBeLessThan(s.orders);
  });
});
