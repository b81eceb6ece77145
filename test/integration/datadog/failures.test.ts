/**
 * How the Datadog provider meets the intake's answers (docs/datadog.md#failures), against the local
 * schema-validating receiver: a 429 waits out `X-RateLimit-Reset`; a 400 is dropped with Datadog's
 * message and never retried; a 403 fetches the API key again once; points too old for Datadog are dropped
 * with their own reason before any request; a hanging intake times out and the records are redelivered.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatadogProvider } from '../../../functions/consumers/datadog/DatadogProvider.ts';
import { loadDatadogConfig } from '../../../functions/consumers/datadog/config.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import { fakeLambdaContext, kinesisEventFromRecords, recordData } from '../../../shared/consumer/testing/kinesisEvent.ts';
import type { AnyProvider } from '../../../shared/consumer/types.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import type { SecretResolver } from '../../../shared/secrets/secretResolver.ts';
import { startDatadogReceiver, type DatadogReceiver } from '../../helpers/datadogReceiver.ts';

let receiver: DatadogReceiver;
beforeAll(async () => {
  receiver = await startDatadogReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
beforeEach(() => {
  receiver.reset();
  receiver.answer = () => 'validate';
});

/** Documents with `Orders` (Count) and `Latency` (Milliseconds), `n` of them, at `at` (ms). */
function event(n: number, at = Date.now() - 1_000): KinesisStreamEvent {
  const docs = Array.from({ length: n }, (_, i) => ({
    emf: { _aws: { Timestamp: at + i, CloudWatchMetrics: [{ Namespace: 'Shop', Dimensions: [['service']], Metrics: [{ Name: 'Orders', Unit: 'Count' }, { Name: 'Latency', Unit: 'Milliseconds' }] }] }, service: 'orders', Orders: 1, Latency: 10 + i },
    timestamp: at + i,
  }));
  return kinesisEventFromRecords([recordData(docs.slice(0, n / 2)), recordData(docs.slice(n / 2))]);
}

async function run(provider: AnyProvider, e: KinesisStreamEvent, remainingMs = 30_000) {
  const logger = createMemoryLogger();
  let summary: ConsumerSummary | undefined;
  const handler = createConsumerHandler(provider, { env: {}, logger, retry: { retries: 3, minTimeoutMs: 10, maxTimeoutMs: 50, randomize: false }, onSummary: (s) => (summary = s) });
  const response = await handler(e, fakeLambdaContext({ remainingMs }));
  return { response, summary: summary!, logger };
}

const keyResolver = (...keys: string[]): SecretResolver & { calls: number } => {
  const r = { calls: 0, resolve: async () => keys[Math.min(r.calls++, keys.length - 1)]!, invalidate: () => undefined };
  return r;
};

const provider = (env: Record<string, string> = {}, secrets: SecretResolver = keyResolver(receiver.apiKey)) =>
  createDatadogProvider(loadDatadogConfig({ DD_API_KEY_REF: 'ssm:/dd/key', DD_URL: receiver.url, ...env }), { secrets });

const sum = (xs: readonly number[] | undefined) => (xs ?? []).reduce((a, b) => a + b, 0);

describe('datadog provider failures', () => {
  it('429: waits the seconds X-RateLimit-Reset gives, then delivers everything once', async () => {
    receiver.answer = (_r, i) => (i === 0 ? { status: 429, headers: { 'X-RateLimit-Limit': '100', 'X-RateLimit-Period': '10', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '1' }, body: '{"errors":["Rate limit exceeded"]}' } : 'validate');
    const { response, summary } = await run(await provider(), event(10));
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.retries).toBe(1);
    const [first, second] = receiver.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1_000);
    expect(sum(receiver.distributionValues().get('Shop.Orders{service:orders}'))).toBe(10);
  });

  it('400: the data are dropped with Datadog\'s message, counted, never retried; the shard goes on', async () => {
    receiver.answer = () => ({ status: 400, body: '{"errors":["Payload is not in the expected format"]}' });
    const { response, summary, logger } = await run(await provider(), event(10));
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.retries).toBe(0);
    expect(summary.dropped).toEqual({ datadog_rejected: 20 });
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.stringify(logger.entries)).toContain('Payload is not in the expected format');
  });

  it('403: the API key is fetched again once (it may have been rotated) and the request sent with it', async () => {
    const secrets = keyResolver('revoked-key', receiver.apiKey);
    const { response, summary } = await run(await provider({}, secrets), event(4));
    expect(response.batchItemFailures).toEqual([]);
    expect(secrets.calls).toBe(2);
    expect(receiver.requests.map((r) => r.status)).toEqual([403, 202]);
    expect(summary.dropped).toEqual({});
  });

  it('a key that stays wrong: the data are dropped as forbidden, counted, not retried forever', async () => {
    const { response, summary } = await run(await provider({}, keyResolver('wrong')), event(4));
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.dropped).toEqual({ datadog_forbidden: 8 });
  });

  it('points older than Datadog accepts are dropped with their own reason before any request; the others go', async () => {
    const old = event(4, Date.now() - 2 * 3_600_000);
    const fresh = event(4);
    const both = { Records: [...old.Records, ...fresh.Records].map((r, i) => ({ ...r, kinesis: { ...r.kinesis, sequenceNumber: String(1000 + i) } })) };
    const { response, summary } = await run(await provider(), both);
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.dropped).toEqual({ datadog_point_too_old: 8 });
    expect(summary.delivered).toBe(8);
    expect(receiver.problems()).toEqual([]);
    expect(sum(receiver.distributionValues().get('Shop.Orders{service:orders}'))).toBe(4);
  });

  it('with Historical Metrics Ingestion (DD_MAX_POINT_AGE_SECONDS) old points are sent', async () => {
    const { summary } = await run(await provider({ DD_MAX_POINT_AGE_SECONDS: '86400' }), event(4, Date.now() - 2 * 3_600_000));
    expect(summary.dropped).toEqual({});
    expect(receiver.requests).toHaveLength(1);
  });

  it('a dropped datum before a request that keeps failing: counted as dropped, and the redelivery re-sends nothing accepted', async () => {
    // One invocation, one chunk: 2 old documents, then 400 fresh ones in requests of 1 KB; the second request fails.
    const old = event(2, Date.now() - 2 * 3_600_000);
    const fresh = event(400);
    const e = { Records: [...old.Records, ...fresh.Records].map((r, i) => ({ ...r, kinesis: { ...r.kinesis, sequenceNumber: String(2000 + i) } })) };
    receiver.answer = (_r, i) => (i >= 1 ? { status: 503 } : 'validate');
    const p = await provider({ DD_MAX_REQUEST_BYTES: '1024' });
    const logger = createMemoryLogger();
    const summaries: ConsumerSummary[] = [];
    const handler = createConsumerHandler(p, { env: {}, logger, retry: { retries: 2, minTimeoutMs: 10, maxTimeoutMs: 20, randomize: false }, onSummary: (x) => summaries.push(x) });
    const first = await handler(e, fakeLambdaContext({ remainingMs: 30_000 }));
    expect(first.batchItemFailures).toHaveLength(1);
    expect(summaries[0]!.dropped).toEqual({ datadog_point_too_old: 4 });
    expect(summaries[0]!.delivered).toBeGreaterThan(0);
    receiver.answer = () => 'validate';
    const at = e.Records.findIndex((r) => r.kinesis.sequenceNumber === first.batchItemFailures[0]!.itemIdentifier);
    const again = await handler({ Records: e.Records.slice(at) }, fakeLambdaContext());
    expect(again.batchItemFailures).toEqual([]);
    expect(sum(receiver.distributionValues().get('Shop.Orders{service:orders}'))).toBe(400);
    expect(receiver.distributionValues().get('Shop.Latency{service:orders}')).toHaveLength(400);
    expect(summaries[0]!.delivered + summaries[1]!.delivered + 4).toBe(804);
  });

  it('a chunk whose weights expand past the memory bound is cut at a datum; the rest comes with the redelivery, exactly once', async () => {
    const heavy = (i: number) => ({
      emf: { _aws: { Timestamp: Date.now() - 1_000, CloudWatchMetrics: [{ Namespace: 'Shop', Dimensions: [['service']], Metrics: [{ Name: 'Size', Unit: 'Bytes' }] }] }, service: 'orders', Size: { Values: [1.2345678901234567 + i], Counts: [100_000], Sum: 1, Min: 1, Max: 1, Count: 100_000 } },
    });
    const e = kinesisEventFromRecords(Array.from({ length: 12 }, (_, i) => recordData([heavy(i)])));
    const p = await provider();
    const summaries: ConsumerSummary[] = [];
    const handler = createConsumerHandler(p, { env: {}, logger: createMemoryLogger(), onSummary: (x) => summaries.push(x) });
    let batch: KinesisStreamEvent = e;
    for (let n = 0; n < 5; n++) {
      const r = await handler(batch, fakeLambdaContext());
      if (r.batchItemFailures.length === 0) break;
      batch = { Records: batch.Records.slice(batch.Records.findIndex((x) => x.kinesis.sequenceNumber === r.batchItemFailures[0]!.itemIdentifier)) };
    }
    expect(summaries.length).toBeGreaterThan(1);
    expect(summaries[0]!.redelivery?.error).toMatch(/reached their limit/);
    expect(summaries.reduce((n, x) => n + x.delivered, 0)).toBe(12);
    expect(receiver.distributionValues().get('Shop.Size{service:orders}')).toHaveLength(1_200_000);
    expect(receiver.problems()).toEqual([]);
  }, 60_000);

  it('data of many values each are never split over requests: a failure after some were accepted re-sends none of them', async () => {
    const at = Date.now() - 1_000;
    const docs = Array.from({ length: 12 }, (_, i) => ({
      emf: { _aws: { Timestamp: at + i, CloudWatchMetrics: [{ Namespace: 'Shop', Dimensions: [['service']], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }] }] }, service: 'orders', Latency: Array.from({ length: 20 }, (_, k) => 1000 * i + k) },
      timestamp: at + i,
    }));
    const e = kinesisEventFromRecords(docs.map((d) => recordData([d])));
    receiver.answer = (_r, i) => (i === 0 ? 'validate' : { status: 503 });
    const p = await provider({ DD_MAX_REQUEST_BYTES: '1024' });
    const handler = createConsumerHandler(p, { env: {}, logger: createMemoryLogger(), retry: { retries: 1, minTimeoutMs: 5, maxTimeoutMs: 10, randomize: false } });
    const first = await handler(e, fakeLambdaContext());
    expect(first.batchItemFailures).toHaveLength(1);
    receiver.answer = () => 'validate';
    const from = e.Records.findIndex((r) => r.kinesis.sequenceNumber === first.batchItemFailures[0]!.itemIdentifier);
    expect(from).toBeGreaterThan(0);
    expect((await handler({ Records: e.Records.slice(from) }, fakeLambdaContext())).batchItemFailures).toEqual([]);
    const values = receiver.distributionValues().get('Shop.Latency{service:orders}')!;
    expect([...values].sort((a, b) => a - b)).toEqual(docs.flatMap((d) => d.emf.Latency).sort((a, b) => a - b));
  });

  it('series mode: counts written ahead of distributions that then fail are written back, so another container\'s redelivery adds up exactly', async () => {
    const env = { DD_MODE: 'series', DD_TYPE_OVERRIDES: 'Latency=distribution', DD_SERIES_INTERVAL_SECONDS: '60' };
    const a = await provider(env);
    const b = await provider(env);
    const run = (p: AnyProvider, e: KinesisStreamEvent) =>
      createConsumerHandler(p, { env: {}, logger: createMemoryLogger(), retry: { retries: 1, minTimeoutMs: 5, maxTimeoutMs: 10, randomize: false } })(e, fakeLambdaContext());
    // Container a writes the counts (v2), then every distribution request fails: it gives up having delivered nothing.
    receiver.answer = (r) => (r.path === '/api/v1/distribution_points' ? { status: 503 } : 'validate');
    const e = event(10);
    expect((await run(a, e)).batchItemFailures).toEqual([{ itemIdentifier: e.Records[0]!.kinesis.sequenceNumber }]);
    receiver.answer = () => 'validate';
    // Lambda redelivers the batch to container b; container a goes on with other records, of another interval.
    expect((await run(b, e)).batchItemFailures).toEqual([]);
    expect((await run(a, event(3, Date.now() - 180_000))).batchItemFailures).toEqual([]);
    // What Datadog keeps: the last point of each series (writer included) and timestamp.
    let total = 0;
    for (const [key, points] of receiver.seriesPoints()) {
      if (!key.startsWith('Shop.Orders{')) continue;
      const last = new Map<number, number>();
      for (const x of points) last.set(x.timestamp, x.value);
      for (const v of last.values()) total += v;
    }
    expect(total).toBe(13);
    expect(receiver.distributionValues().get('Shop.Latency{service:orders}')).toHaveLength(13);
    expect(receiver.problems()).toEqual([]);
  });

  it('an intake that never answers times out; the records are redelivered, not lost', async () => {
    receiver.answer = () => 'hang';
    const e = event(4);
    const { response, summary } = await run(await provider({ DD_TIMEOUT_MS: '200' }), e, 2_000);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: e.Records[0]!.kinesis.sequenceNumber }]);
    expect(summary.delivered).toBe(0);
    expect(summary.redelivery?.error).toMatch(/request failed/);
  });
});
