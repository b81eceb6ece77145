/**
 * The numbers stay exact with many writers (issue 21's acceptance): 50 Lambda environments log 1,000
 * `Orders: 1` (Count) and 1,000 latencies through the real Powertools library; the records reach four
 * consumer containers (one per shard, each its own provider) at once, and every request goes to a
 * receiver that validates it against Datadog's published schema. Distributions must add up to exactly
 * 1,000 orders and hold every latency once, also when the receiver fails mid-batch and Lambda
 * redelivers; in `series` mode the writers' counts (the last point of each writer and interval, what
 * Datadog keeps) must add up to 1,000 the same way.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatadogProvider } from '../../../functions/consumers/datadog/DatadogProvider.ts';
import { loadDatadogConfig } from '../../../functions/consumers/datadog/config.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import { fakeLambdaContext, redeliverFrom } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { keyOf, startDatadogReceiver, type DatadogReceiver } from '../../helpers/datadogReceiver.ts';
import { shopScenario } from '../../helpers/shopScenario.ts';

const FAST_RETRY = { retries: 3, minTimeoutMs: 5, maxTimeoutMs: 20, randomize: false } as const;
const ORDERS = 'Shop.Orders{service:orders}';
const LATENCY = 'Shop.Latency{service:orders}';

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


/** One consumer container per shard: its own provider (its own writer) and handler. */
function containers(env: Record<string, string>, shards: number) {
  return Array.from({ length: shards }, (_, i) => {
    const provider = new DatadogProvider(loadDatadogConfig({ DD_API_KEY_REF: 'ssm:/dd/key', DD_URL: receiver.url, ...env }), receiver.apiKey, keyOf(receiver), { writerId: `w${i}` });
    const summaries: ConsumerSummary[] = [];
    const handler = createConsumerHandler(provider, { env: {}, logger: createMemoryLogger(), retry: FAST_RETRY, onSummary: (s) => summaries.push(s) });
    return { provider, summaries, invoke: async (e: KinesisStreamEvent, remainingMs = 30_000) => (await handler(e, fakeLambdaContext({ remainingMs }))).batchItemFailures };
  });
}

/** Delivers each shard's event through its container, all at once; a shard whose invocation gives up is redelivered (after `heal`) until done. */
async function deliverAll(env: Record<string, string>, opts: { failFrom?: number; failFor?: number } = {}) {
  const s = shopScenario({ environments: 50, documentsPerEnvironment: 20, shards: 4, documentsPerRecord: 5 });
  const cs = containers(env, s.shards.length);
  let failing = opts.failFrom !== undefined;
  if (failing) {
    const from = opts.failFrom!;
    const until = from + (opts.failFor ?? Number.POSITIVE_INFINITY);
    receiver.answer = (_req, i) => (i >= from && i < until && failing ? { status: 503, body: '{"errors":["Service Unavailable"]}' } : 'validate');
  }
  const first = await Promise.all(cs.map((c, i) => c.invoke(s.shards[i]!, failing ? 1_500 : 30_000)));
  failing = false;
  const redelivered: number[] = [];
  await Promise.all(
    cs.map(async (c, i) => {
      let failures = first[i]!;
      let event = s.shards[i]!;
      while (failures.length > 0) {
        redelivered.push(i);
        event = redeliverFrom(event, failures[0]!.itemIdentifier);
        failures = await c.invoke(event);
      }
    }),
  );
  return { s, cs, first, redelivered };
}

describe('distributions (default): 50 environments, 4 shards at once', () => {
  it('1,000 Count observations are distribution values adding up to exactly 1,000; every latency is there once', async () => {
    const { s, cs } = await deliverAll({ DD_BATCH_SIZE: '50', DD_MAX_REQUEST_BYTES: '8192' });
    expect(receiver.problems()).toEqual([]);
    const values = receiver.distributionValues();
    expect(values.get(ORDERS)!.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(values.get(ORDERS)).toHaveLength(s.orders);
    expect([...values.get(LATENCY)!].sort((a, b) => a - b)).toEqual([...s.latenciesMs].sort((a, b) => a - b));
    expect(receiver.requests.every((r) => r.path === '/api/v1/distribution_points' && r.status === 202)).toBe(true);
    expect(receiver.requests.length).toBeGreaterThan(8);
    expect(cs.flatMap((c) => c.summaries).reduce((n, x) => n + x.delivered, 0)).toBe(2 * s.orders);
  });

  it('the receiver fails mid-batch until the invocations give up; after the redelivery the values still add up to exactly 1,000', async () => {
    const { s, cs, first, redelivered } = await deliverAll({ DD_BATCH_SIZE: '50', DD_MAX_REQUEST_BYTES: '1024' }, { failFrom: 6 });
    // Mid-batch: some requests were accepted before the failures, and the invocations gave up with records left.
    expect(first.some((f) => f.length > 0)).toBe(true);
    expect(new Set(redelivered).size).toBeGreaterThan(0);
    const firstSummaries = cs.map((c) => c.summaries[0]!);
    expect(firstSummaries.some((x) => x.redelivery !== undefined && x.delivered > 0)).toBe(true);
    expect(receiver.requests.filter((r) => r.status === 503).length).toBeGreaterThan(0);
    expect(receiver.problems()).toEqual([]);
    const values = receiver.distributionValues();
    expect(values.get(ORDERS)!.reduce((a, b) => a + b, 0)).toBe(1000);
    expect([...values.get(LATENCY)!].sort((a, b) => a - b)).toEqual([...s.latenciesMs].sort((a, b) => a - b));
  });

  it('a failure inside a chunk (its later requests refused) resumes after the data the accepted requests completed', async () => {
    // A shard's 500 data in one chunk, split into requests of 1 KB: the 503s hit requests inside the chunk.
    const { s, cs } = await deliverAll({ DD_BATCH_SIZE: '500', DD_MAX_REQUEST_BYTES: '1024' }, { failFrom: 4, failFor: 40 });
    expect(cs.some((c) => c.summaries[0]!.redelivery !== undefined && c.summaries[0]!.delivered > 0 && c.summaries[0]!.delivered < 500)).toBe(true);
    expect(receiver.distributionValues().get(ORDERS)!.reduce((a, b) => a + b, 0)).toBe(s.orders);
    expect(receiver.distributionValues().get(LATENCY)).toHaveLength(s.latenciesMs.length);
  });
});

describe('series mode: counts and gauges per writer and interval', () => {
  /** What Datadog keeps: the last point of each series (writer included) and timestamp; their values, summed. */
  function keptTotal(prefix: string): number {
    let total = 0;
    for (const [key, points] of receiver.seriesPoints()) {
      if (!key.startsWith(prefix)) continue;
      const last = new Map<number, number>();
      for (const p of points) last.set(p.timestamp, p.value);
      for (const v of last.values()) total += v;
    }
    return total;
  }

  it('the writers\' counts add up to exactly 1,000, each series written by one container', async () => {
    await deliverAll({ DD_MODE: 'series', DD_BATCH_SIZE: '50', DD_SERIES_INTERVAL_SECONDS: '1' });
    expect(receiver.problems()).toEqual([]);
    expect(keptTotal('Shop.Orders{')).toBe(1000);
    const writers = [...receiver.seriesPoints().keys()].filter((k) => k.startsWith('Shop.Orders{')).map((k) => /emf_fanout_writer:(w\d)/.exec(k)![1]);
    expect(new Set(writers)).toEqual(new Set(['w0', 'w1', 'w2', 'w3']));
    for (const points of receiver.seriesPoints().values()) expect(points.every((p) => p.type === 1 || p.type === 3)).toBe(true);
  });

  it('with failures mid-batch and a redelivery the counts still add up to exactly 1,000', async () => {
    const { first } = await deliverAll({ DD_MODE: 'series', DD_BATCH_SIZE: '50', DD_SERIES_INTERVAL_SECONDS: '1' }, { failFrom: 10 });
    expect(first.some((f) => f.length > 0)).toBe(true);
    expect(receiver.problems()).toEqual([]);
    expect(keptTotal('Shop.Orders{')).toBe(1000);
  });
});
