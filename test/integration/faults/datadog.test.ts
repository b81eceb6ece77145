/**
 * Fault suite, Datadog HTTP API (docs/faults.md): log events → the real forwarder → kinesalite → the
 * event source mapping → the Datadog provider (functions/consumers/datadog, distributions mode) → a local
 * Datadog intake that checks every request against Datadog's schema (test/helpers/datadogReceiver.ts) and
 * answers 503, 429 with `X-RateLimit-Reset`, 400, or never. Every document is one Count `Hits = 1`, so
 * the distribution values the intake accepted for `Faults.Hits{scenario:…}` add up to the number of
 * documents delivered: a document lost or sent twice changes the sum.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDatadogConfig } from '../../../functions/consumers/datadog/config.ts';
import { createDatadogProvider } from '../../../functions/consumers/datadog/DatadogProvider.ts';
import type { Env } from '../../../shared/config/env.ts';
import { keyOf, startDatadogReceiver, type DatadogAnswer, type DatadogReceiver } from '../../helpers/datadogReceiver.ts';
import { hitPayload } from '../../helpers/faultLog.ts';
import { FaultPipeline, type FaultPipelineOptions } from '../../helpers/FaultPipeline.ts';

let receiver: DatadogReceiver;
let pipeline: FaultPipeline | undefined;
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
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

/** A pipeline into the intake, `DD_BATCH_SIZE` 5 (one request per chunk of 5 data) unless `ddEnv` says otherwise; records of about 5 documents. */
async function start(ddEnv: Env = {}, o: Partial<FaultPipelineOptions> = {}): Promise<FaultPipeline> {
  const provider = await createDatadogProvider(
    loadDatadogConfig({ DD_API_KEY_REF: 'ssm:/dd/key', DD_URL: receiver.url, DD_BATCH_SIZE: '5', ...ddEnv }),
    { secrets: keyOf(receiver) },
  );
  pipeline = await FaultPipeline.start({ provider, forwarderEnv: { RECORD_TARGET_BYTES: '1024', PLATFORM_METRICS: 'false' }, ...o });
  return pipeline;
}

/** The distribution values the intake accepted (answered 202) for the documents of `scenario`. */
const hits = (scenario: string): number[] => receiver.distributionValues().get(`Faults.Hits{scenario:${scenario}}`) ?? [];
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
/** The values of a distribution points body as the intake read it. */
const valuesOf = (body: unknown): number[] => (body as { series: { points: [number, number[]][] }[] }).series.flatMap((s) => s.points.flatMap(([, v]) => v));
const statuses = (): (number | undefined)[] => receiver.requests.map((r) => r.status);

/** Answers `fault` from the `from`-th request (0: the first) until the first consumer invocation has ended, then as the intake does. */
function faultUntilFirstInvocation(p: FaultPipeline, fault: DatadogAnswer, from = 0): void {
  receiver.answer = (_r, i) => (i >= from ? fault : 'validate');
  p.onInvocation = () => {
    receiver.answer = () => 'validate';
  };
}

describe('Datadog 5xx', () => {
  it('the intake answers 503 until the retries run out: a batch item failure, Lambda redelivers, every document counted once', async () => {
    const p = await start({}, { consumerEnv: { CONSUMER_MAX_RETRIES: '2' } });
    faultUntilFirstInvocation(p, { status: 503, body: '{"errors":["Service Unavailable"]}' });

    await p.forward([hitPayload('dd-503', 20)]);
    await p.startConsumer();
    await p.drain();

    // 1 attempt + 2 retries of the first chunk, then a batch item failure at the first record.
    expect(statuses().slice(0, 3)).toEqual([503, 503, 503]);
    expect(p.invocations[0]!.verdict).toEqual({ kind: 'partial', failedIndex: 0, sequenceNumber: p.invocations[0]!.firstSequenceNumber });
    expect(p.summaries[0]).toMatchObject({ delivered: 0, dropped: {}, retries: 2, redelivery: { stoppedBy: 'retries', error: expect.stringContaining('HTTP 503') } });
    expect(p.invocations[1]).toMatchObject({ retry: true, firstSequenceNumber: p.invocations[0]!.firstSequenceNumber, verdict: { kind: 'success' } });
    expect(statuses().slice(3)).toEqual([202, 202, 202, 202]);
    expect(p.esmStats).toMatchObject({ recordsProcessed: p.forwarder.records, recordsDiscarded: 0 });
    expect(p.consumerTotals()).toMatchObject({ delivered: 20, dropped: {} });
    expect(sum(hits('dd-503'))).toBe(20);
    expect(receiver.problems()).toEqual([]);
  });

  it('a 503 after some requests of a chunk were accepted: the provider reports what it delivered, Lambda redelivers from there, every document counted once', async () => {
    // Records of about 200 documents, all in one invocation and one chunk of 2,000 data (DD_BATCH_SIZE 10,000),
    // sent as requests of at most 1,024 bytes of JSON (about 450 values each). The first 2 are accepted, then
    // the intake answers 503 until the first invocation has ended.
    const p = await start({ DD_BATCH_SIZE: '10000', DD_MAX_REQUEST_BYTES: '1024' }, {
      forwarderEnv: { RECORD_TARGET_BYTES: '65536', PLATFORM_METRICS: 'false' },
      esm: { batchSize: 100 },
      consumerEnv: { CONSUMER_MAX_RETRIES: '2' },
    });
    faultUntilFirstInvocation(p, { status: 503, body: '{"errors":["Service Unavailable"]}' }, 2);
    const n = 2_000;

    await p.forward([hitPayload('dd-503-mid-chunk', n)]);
    await p.startConsumer();
    await p.drain();

    expect(p.forwarder.records).toBeGreaterThan(1);
    expect(p.invocations[0]!.records).toBe(p.forwarder.records);
    expect(statuses().slice(0, 5)).toEqual([202, 202, 503, 503, 503]);
    // The first invocation delivered the data of the 2 accepted requests, and named the record the failure fell in.
    const first = p.summaries[0]!;
    const accepted = sum(receiver.requests.slice(0, 2).flatMap((r) => valuesOf(r.body)));
    expect(first).toMatchObject({ data: n, delivered: accepted, dropped: {}, retries: 2, redelivery: { stoppedBy: 'retries', error: expect.stringContaining('HTTP 503') } });
    expect(p.invocations[0]!.verdict.kind).toBe('partial');
    expect(p.invocations[1]).toMatchObject({ retry: true, verdict: { kind: 'success' } });
    expect(first.redelivery!.records).toBeLessThan(p.forwarder.records);
    // The redelivered record's data accepted before the fault are passed over, not sent again.
    const sentBefore = first.delivered - (n - first.redelivery!.data);
    expect(sentBefore).toBeGreaterThanOrEqual(0);
    expect(p.consumerTotals()).toMatchObject({ delivered: n, dropped: {}, duplicates: { data: sentBefore, documents: sentBefore } });
    expect(hits('dd-503-mid-chunk')).toHaveLength(n);
    expect(sum(hits('dd-503-mid-chunk'))).toBe(n);
    expect(receiver.problems()).toEqual([]);
  });
});

describe('Datadog 429', () => {
  it('429 with X-RateLimit-Reset: 1: retried after the reset, 0 documents lost, none twice', async () => {
    const p = await start();
    receiver.answer = (_r, i) => (i === 0
      ? { status: 429, headers: { 'X-RateLimit-Limit': '100', 'X-RateLimit-Period': '10', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '1' }, body: '{"errors":["Rate limit exceeded"]}' }
      : 'validate');

    await p.forward([hitPayload('dd-429', 20)]);
    await p.startConsumer();
    await p.drain();

    expect(statuses()).toEqual([429, 202, 202, 202, 202]);
    const [limited, retried] = receiver.requests;
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(1_000);
    expect(p.invocations.map((i) => i.verdict.kind)).toEqual(['success']);
    expect(p.summaries[0]).toMatchObject({ data: 20, delivered: 20, dropped: {}, retries: 1 });
    expect(sum(hits('dd-429'))).toBe(20);
    expect(receiver.problems()).toEqual([]);
  });
});

describe('Datadog 400', () => {
  it('400 for one request: its 5 documents dropped and counted as datadog_rejected, not retried, the rest delivered', async () => {
    const p = await start();
    receiver.answer = (_r, i) => (i === 1 ? { status: 400, body: '{"errors":["Payload is not in the expected format"]}' } : 'validate');

    await p.forward([hitPayload('dd-400', 20)]);
    await p.startConsumer();
    await p.drain();

    expect(statuses()).toEqual([202, 400, 202, 202]);
    expect(p.invocations.map((i) => i.verdict.kind)).toEqual(['success']);
    // In = delivered + dropped: 20 = 15 + 5.
    expect(p.consumerTotals()).toMatchObject({ data: 20, delivered: 15, dropped: { datadog_rejected: 5 } });
    expect(p.summaries[0]!.retries).toBe(0);
    expect(p.summaries[0]!.examples.datadog_rejected).toMatch(/HTTP 400: .*Payload is not in the expected format/);
    expect(p.esmStats).toMatchObject({ retries: 0, recordsDiscarded: 0 });
    expect(sum(hits('dd-400'))).toBe(15);
    expect(receiver.problems()).toEqual([]);
  });
});

describe('Datadog hang', () => {
  it('an intake that never answers: each request abandoned after DD_TIMEOUT_MS until the retries run out, Lambda redelivers, 0 documents lost', async () => {
    const p = await start({ DD_TIMEOUT_MS: '300' }, { consumerEnv: { CONSUMER_MAX_RETRIES: '2' } });
    faultUntilFirstInvocation(p, 'hang');

    await p.forward([hitPayload('dd-hang', 20)]);
    await p.startConsumer();
    await p.drain();

    // Three requests never answered, each abandoned at its own timeout, well before the function's (5 s).
    expect(statuses().slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(p.invocations[0]!.verdict).toEqual({ kind: 'partial', failedIndex: 0, sequenceNumber: p.invocations[0]!.firstSequenceNumber });
    const [a, b, c] = receiver.requests.map((r) => r.at);
    expect([b! - a!, c! - b!].every((gap) => gap >= 250 && gap < 2_000)).toBe(true);
    expect(p.summaries[0]).toMatchObject({ delivered: 0, dropped: {}, retries: 2, redelivery: { stoppedBy: 'retries', error: expect.stringContaining('TimeoutError') } });
    expect(p.invocations[1]).toMatchObject({ retry: true, verdict: { kind: 'success' } });
    expect(p.consumerTotals()).toMatchObject({ delivered: 20, dropped: {} });
    expect(sum(hits('dd-hang'))).toBe(20);
    expect(receiver.problems()).toEqual([]);
  });
});
