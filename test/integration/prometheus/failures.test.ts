/**
 * The provider inside the real consumer handler against a scripted receiver on 127.0.0.1 that
 * answers 500, 429 with Retry-After, 400, 401, or hangs: retries, partial batch responses, no
 * endless retry, every drop counted.
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import { fakeLambdaContext, kinesisEventFromRecords, recordData } from '../../../shared/consumer/testing/kinesisEvent.ts';
import type { AnyProvider as Provider } from '../../../shared/consumer/types.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { createSecretResolver } from '../../../shared/secrets/secretResolver.ts';
import { loadPrometheusConfig } from '../../../functions/consumers/prometheus/config.ts';
import { createPrometheusProvider } from '../../../functions/consumers/prometheus/PrometheusProvider.ts';
import { seriesNames, startScriptedReceiver, type ScriptedReceiver } from '../../helpers/prometheusReceiver.ts';

let rx: ScriptedReceiver;
beforeEach(async () => {
  rx = await startScriptedReceiver();
});
afterEach(async () => {
  await rx.close();
});

const NOW = Date.now();

/** `records` records of one document each, every document with `metrics` metrics (one series each). */
function event(records: number, metrics = 1): KinesisStreamEvent {
  const data = [];
  for (let r = 0; r < records; r++) {
    const names = Array.from({ length: metrics }, (_, m) => `R${r}M${m}`);
    const emf: Record<string, unknown> = {
      _aws: { Timestamp: NOW + r, CloudWatchMetrics: [{ Namespace: 'Fail', Dimensions: [['Service']], Metrics: names.map((Name) => ({ Name, Unit: 'Count' })) }] },
      Service: 'svc',
    };
    for (const n of names) emf[n] = r + 1;
    data.push(recordData([{ emf, timestamp: NOW + r }]));
  }
  return kinesisEventFromRecords(data);
}

// Samples mode: one request per chunk of observations, whose splitting and ordering these tests follow. The
// cumulative mode's failures (retried and abandoned flushes, rejections) are in cumulative.test.ts.
const provider = (env: Record<string, string> = {}, deps = {}) => createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: rx.url, PROM_RW_MODE: 'samples', ...env }), deps);

async function run(p: Provider, ev: KinesisStreamEvent, remainingMs = 20_000) {
  let summary: ConsumerSummary | undefined;
  const logger = createMemoryLogger();
  const handler = createConsumerHandler(p, { env: {}, logger, retry: { minTimeoutMs: 20, maxTimeoutMs: 100 }, onSummary: (s) => (summary = s) });
  const response = await handler(ev, fakeLambdaContext({ remainingMs }));
  return { response, summary: summary!, logger };
}

describe('remote-write failures', () => {
  it('sends the required headers and a decodable snappy protobuf body', async () => {
    const { response } = await run(await provider(), event(1));
    expect(response.batchItemFailures).toEqual([]);
    const r = rx.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.headers).toMatchObject({
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'x-prometheus-remote-write-version': '0.1.0',
      'user-agent': expect.stringMatching(/^emf-fanout\/\d+\.\d+\.\d+/),
    });
    expect(seriesNames(r)).toEqual(['fail_r0_m0']);
  });

  it('500, then 204: retried, everything delivered', async () => {
    rx.answer = (_r, i) => (i === 0 ? { status: 500, body: 'internal' } : { status: 204 });
    const { response, summary } = await run(await provider(), event(3));
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.delivered).toBe(3);
    expect(summary.retries).toBe(1);
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[1]!.body).toEqual(rx.requests[0]!.body);
  });

  it('429 with Retry-After: the next attempt waits at least the hinted time', async () => {
    rx.answer = (_r, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: 'rate limited' } : { status: 204 });
    const { response, summary } = await run(await provider(), event(1));
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.delivered).toBe(1);
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[1]!.at - rx.requests[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('400: dropped with a reason and the receiver message, never retried, the shard not blocked', async () => {
    rx.answer = () => ({ status: 400, body: 'invalid metric name' });
    const { response, summary, logger } = await run(await provider(), event(2));
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.dropped).toEqual({ prometheus_http_400: 2 });
    expect(summary.delivered).toBe(0);
    expect(rx.requests).toHaveLength(1);
    expect(logger.entries.find((e) => e.message.startsWith('prometheus: receiver rejected'))?.fields).toMatchObject({
      reason: 'prometheus_http_400',
      error: 'remote write answered HTTP 400: invalid metric name',
      samples: 2,
    });
  });

  it('1 of 10 requests rejected (400), 9 accepted: the summary counts that request\'s data as dropped and the rest as delivered', async () => {
    // One series per request; the request of the series R3M0 is rejected.
    rx.answer = (r) => (seriesNames(r).includes('fail_r3_m0') ? { status: 400, body: 'rejected' } : { status: 204 });
    const { response, summary } = await run(await provider({ PROM_RW_MAX_SAMPLES_PER_REQUEST: '1', PROM_RW_CONCURRENCY: '1' }), event(10));
    expect(rx.requests).toHaveLength(10);
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.dropped).toEqual({ prometheus_http_400: 1 });
    expect(summary.delivered).toBe(9);
  });

  it('fast-check: whichever requests are rejected, dropped counts exactly their data and delivered the rest', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 3 }), fc.func(fc.boolean()), async (records, metrics, rejects) => {
        rx.requests.length = 0;
        const rejected = new Set<string>();
        rx.answer = (r) => {
          const [name] = seriesNames(r);
          if (!rejects(name)) return { status: 204 };
          rejected.add(name!);
          return { status: 400, body: 'rejected' };
        };
        const { response, summary } = await run(await provider({ PROM_RW_MAX_SAMPLES_PER_REQUEST: '1' }), event(records, metrics));
        expect(response.batchItemFailures).toEqual([]);
        expect(summary.dataDropped).toBe(rejected.size);
        expect(summary.delivered).toBe(records * metrics - rejected.size);
      }),
      { numRuns: 15 },
    );
  });

  it('500 "too old sample" (Prometheus < 2.50 outside its window) is permanent, not an endless retry', async () => {
    rx.answer = () => ({ status: 500, body: 'too old sample' });
    const { response, summary } = await run(await provider(), event(1));
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.dropped).toEqual({ prometheus_too_old: 1 });
    expect(rx.requests).toHaveLength(1);
  });

  it('500 forever: retried with backoff until the deadline, then the first record is reported for redelivery', async () => {
    rx.answer = () => ({ status: 503, body: 'unavailable' });
    const ev = event(3);
    const { response, summary } = await run(await provider(), ev, 1_500);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: ev.Records[0]!.kinesis.sequenceNumber }]);
    expect(summary.delivered).toBe(0);
    expect(summary.dropped).toEqual({});
    expect(summary.redelivery).toMatchObject({ records: 3, data: 3, error: expect.stringContaining('HTTP 503') });
    expect(rx.requests.length).toBeGreaterThan(1);
    expect(rx.requests.length).toBe(summary.calls);
  });

  it('a hanging receiver: each attempt is aborted at the request timeout, then at the deadline; the batch is reported', async () => {
    rx.answer = () => 'hang';
    const ev = event(2);
    const started = Date.now();
    const { response, summary } = await run(await provider({ PROM_RW_TIMEOUT_MS: '200' }), ev, 2_000);
    expect(Date.now() - started).toBeLessThan(2_000); // returned before Lambda's deadline
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: ev.Records[0]!.kinesis.sequenceNumber }]);
    expect(summary.retries).toBeGreaterThan(0);
    expect(rx.requests.length).toBeGreaterThan(1);
  });

  it('a retried chunk re-sends only the request that failed, not those already accepted', async () => {
    // 4 series of 1 sample, 1 sample per request: 4 requests; the one carrying R2 fails once.
    let failed = false;
    rx.answer = (r) => {
      if (!failed && seriesNames(r).includes('fail_r2_m0')) {
        failed = true;
        return { status: 503 };
      }
      return { status: 204 };
    };
    const { response, summary } = await run(await provider({ PROM_RW_MAX_SAMPLES_PER_REQUEST: '1', PROM_RW_CONCURRENCY: '2' }), event(4));
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.delivered).toBe(4);
    const sent = rx.requests.flatMap(seriesNames).sort();
    expect(sent).toEqual(['fail_r0_m0', 'fail_r1_m0', 'fail_r2_m0', 'fail_r2_m0', 'fail_r3_m0']);
  });

  it('a series split across requests is sent in order, never two parts at once', async () => {
    // One series of 6 samples, 2 per request: three requests that must arrive one after the other.
    const docs = Array.from({ length: 6 }, (_, i) => ({
      emf: { _aws: { Timestamp: NOW + i, CloudWatchMetrics: [{ Namespace: 'Fail', Dimensions: [[]], Metrics: [{ Name: 'Split' }] }] }, Split: i },
      timestamp: NOW + i,
    }));
    // A slow receiver: were the parts sent concurrently, they would arrive before the previous answer.
    rx.answer = () => ({ status: 204, delayMs: 50 });
    const { response } = await run(await provider({ PROM_RW_MAX_SAMPLES_PER_REQUEST: '2', PROM_RW_CONCURRENCY: '8' }), kinesisEventFromRecords([recordData(docs)]));
    expect(response.batchItemFailures).toEqual([]);
    const firsts = rx.requests.map((r) => (typeof r.request === 'string' ? NaN : r.request.timeseries[0]!.samples[0]!.timestamp));
    expect(firsts).toEqual([NOW, NOW + 2, NOW + 4]);
    for (let i = 1; i < rx.requests.length; i++) expect(rx.requests[i]!.at).toBeGreaterThanOrEqual(rx.requests[i - 1]!.answeredAt!);
  });

  it('independent requests go out concurrently, at most PROM_RW_CONCURRENCY at a time', async () => {
    rx.answer = () => ({ status: 204, delayMs: 80 });
    const { response } = await run(await provider({ PROM_RW_MAX_SAMPLES_PER_REQUEST: '1', PROM_RW_CONCURRENCY: '2' }), event(6));
    expect(response.batchItemFailures).toEqual([]);
    expect(rx.requests).toHaveLength(6);
    // How many requests were open at each arrival (server-side timestamps).
    const open = rx.requests.map((r) => rx.requests.filter((o) => o.at <= r.at && r.at < o.answeredAt!).length);
    expect(Math.max(...open)).toBe(2);
  });

  it('401 after a secret rotation: the token is fetched again once and the request succeeds', async () => {
    const ssm = mockClient(SSMClient);
    try {
      ssm.on(GetParameterCommand).resolvesOnce({ Parameter: { Value: 'old-token' } }).resolves({ Parameter: { Value: 'new-token' } });
      rx.answer = (r) => (r.headers.authorization === 'Bearer new-token' ? { status: 204 } : { status: 401, body: 'bad token' });
      const secrets = createSecretResolver({ ssm: new SSMClient({ region: 'eu-west-1' }) });
      const p = await provider({ PROM_RW_AUTH: 'bearer', PROM_RW_BEARER_TOKEN_REF: 'ssm:/prom/token' }, { secrets });
      const { response, summary } = await run(p, event(1));
      expect(response.batchItemFailures).toEqual([]);
      expect(summary.delivered).toBe(1);
      expect(rx.requests.map((r) => r.headers.authorization)).toEqual(['Bearer old-token', 'Bearer new-token']);
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    } finally {
      ssm.restore();
    }
  });

  it('401 that persists: dropped as prometheus_unauthorized after one refresh, not retried forever', async () => {
    const ssm = mockClient(SSMClient);
    try {
      ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'wrong' } });
      rx.answer = () => ({ status: 401, body: 'bad token' });
      const secrets = createSecretResolver({ ssm: new SSMClient({ region: 'eu-west-1' }) });
      const p = await provider({ PROM_RW_AUTH: 'bearer', PROM_RW_BEARER_TOKEN_REF: 'ssm:/prom/token' }, { secrets });
      const { response, summary } = await run(p, event(1));
      expect(response.batchItemFailures).toEqual([]);
      expect(summary.dropped).toEqual({ prometheus_unauthorized: 1 });
      expect(rx.requests).toHaveLength(2);
    } finally {
      ssm.restore();
    }
  });
});
