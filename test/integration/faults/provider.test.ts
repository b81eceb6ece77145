/**
 * Fault suite, HTTP receivers (docs/faults.md): log events → the real forwarder → kinesalite → the
 * event source mapping → the example-http provider (functions/consumers/example-http) → a real HTTP
 * server on loopback that answers 5xx, 429, 400 or hangs. The receiver's accepted lines carry each
 * datum's log event id, so the test compares exactly which documents arrived, and how often.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/consumers/example-http/config.ts';
import { JsonLinesHttpProvider } from '../../../functions/consumers/example-http/JsonLinesHttpProvider.ts';
import { eventIdsOf, hitPayload } from '../../helpers/faultLog.ts';
import { FaultPipeline, type FaultPipelineOptions } from '../../helpers/FaultPipeline.ts';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/httpReceiver.ts';

let rx: HttpReceiver;
let pipeline: FaultPipeline | undefined;
beforeAll(async () => {
  rx = await startHttpReceiver();
});
afterAll(async () => {
  await rx?.close();
});
beforeEach(() => rx.clear());
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

/** A pipeline into the receiver, 5 data per request; records of about 5 documents. */
async function start(o: Partial<FaultPipelineOptions> = {}): Promise<FaultPipeline> {
  const provider = new JsonLinesHttpProvider(loadConfig({ EXAMPLE_HTTP_URL: rx.url, EXAMPLE_HTTP_MAX_BATCH_SIZE: '5' }));
  pipeline = await FaultPipeline.start({ provider, forwarderEnv: { RECORD_TARGET_BYTES: '1024', PLATFORM_METRICS: 'false' }, ...o });
  return pipeline;
}

/** The log event id of every line the receiver accepted (answered 2xx), sorted. */
const acceptedIds = () => rx.acceptedLines().map((l) => (JSON.parse(l) as { source: { eventId: string } }).source.eventId).sort();
const delivered = (p: FaultPipeline) => p.summaries.reduce((n, s) => n + s.delivered, 0);

/** The receiver answers `status` until the first consumer invocation has ended, then 200. */
async function unavailableOnce(status: number, headers: Record<string, string> = {}) {
  const p = await start({ consumerEnv: { CONSUMER_MAX_RETRIES: '2' } });
  const payload = hitPayload(`http-${status}`, 20);
  rx.setFallback({ status, headers, body: 'not now' });
  p.onInvocation = () => rx.setFallback({ status: 200 });

  await p.forward([payload]);
  await p.startConsumer();
  await p.drain();

  // 1 attempt + 2 retries of the first chunk, then a batch item failure at the first record.
  expect(rx.requests.slice(0, 3).map((r) => r.status)).toEqual([status, status, status]);
  expect(p.invocations[0]!.verdict).toEqual({ kind: 'partial', failedIndex: 0, sequenceNumber: p.invocations[0]!.firstSequenceNumber });
  expect(p.summaries[0]).toMatchObject({ delivered: 0, dropped: {}, retries: 2, redelivery: { stoppedBy: 'retries', error: expect.stringContaining(`HTTP ${status}`) } });
  // Lambda redelivers from that record; everything arrives, once.
  expect(p.invocations[1]).toMatchObject({ retry: true, firstSequenceNumber: p.invocations[0]!.firstSequenceNumber, verdict: { kind: 'success' } });
  expect(p.esmStats).toMatchObject({ recordsProcessed: p.forwarder.records, recordsDiscarded: 0 });
  expect(delivered(p)).toBe(20);
  expect(acceptedIds()).toEqual(eventIdsOf([payload]).sort());
}

describe('provider 5xx', () => {
  it('503 until the retries run out: a batch item failure, Lambda redelivers, 0 documents lost, none twice', async () => {
    await unavailableOnce(503);
  });
});

describe('provider 429', () => {
  it('429 with Retry-After until the retries run out: a batch item failure, Lambda redelivers, 0 documents lost, none twice', async () => {
    await unavailableOnce(429, { 'retry-after': '0' });
  });
});

describe("provider down beyond the event source mapping's retries", () => {
  it('503 through every retry of the mapping: the records are discarded to the on-failure destination, counted by sequence range', async () => {
    // No retry inside an invocation, one retry by the mapping: 2 attempts in all.
    const p = await start({ consumerEnv: { CONSUMER_MAX_RETRIES: '0' }, esm: { maxRetryAttempts: 1 } });
    const payload = hitPayload('http-down', 20);
    rx.setFallback({ status: 503, body: 'down' });

    await p.forward([payload]);
    await p.startConsumer();
    await p.drain();

    expect(p.invocations.map((i) => [i.retry, i.verdict.kind])).toEqual([[false, 'partial'], [true, 'partial']]);
    // What Lambda sends to the consumer's on-failure destination: the shard and the sequence range, with the error.
    expect(p.esmStats).toMatchObject({ recordsProcessed: 0, recordsDiscarded: p.forwarder.records });
    expect(p.esmStats.discards).toEqual([expect.objectContaining({
      records: p.forwarder.records, attempts: 2, firstSequenceNumber: p.invocations[0]!.firstSequenceNumber, lastSequenceNumber: p.invocations[0]!.lastSequenceNumber,
    })]);
    expect(rx.requests.map((r) => r.status)).toEqual([503, 503]);
    expect(delivered(p)).toBe(0);
    expect(acceptedIds()).toEqual([]);
  });
});

describe('provider 400', () => {
  it('400 for one request: its 5 documents dropped and counted as http_400, not retried, the rest delivered', async () => {
    const p = await start();
    const payload = hitPayload('http-400', 20);
    rx.script({ status: 400, body: 'bad line' });

    await p.forward([payload]);
    await p.startConsumer();
    await p.drain();

    expect(rx.requests.map((r) => r.status)).toEqual([400, 200, 200, 200]);
    expect(p.invocations.map((i) => i.verdict.kind)).toEqual(['success']);
    // In = delivered + dropped: 20 = 15 + 5; the dropped ones are the first request's.
    expect(p.consumerTotals()).toMatchObject({ data: 20, delivered: 15, dropped: { http_400: 5 } });
    expect(p.summaries[0]!.examples.http_400).toMatch(/HTTP 400: bad line/);
    expect(acceptedIds()).toEqual(eventIdsOf([payload]).slice(5).sort());
  });
});

describe('provider hang', () => {
  it('a receiver that never answers: the request is abandoned at the deadline, the batch redelivered, 0 documents lost', async () => {
    // Function timeout 1.5 s, 300 ms kept back: the hanging request is aborted at 1.2 s, no retry fits.
    const p = await start({ esm: { timeoutMs: 1_500 }, consumerEnv: { CONSUMER_SAFETY_MARGIN_MS: '300' } });
    const payload = hitPayload('http-hang', 20);
    rx.script('hang');

    await p.forward([payload]);
    await p.startConsumer();
    await p.drain();

    expect(rx.requests[0]!.status).toBe('hang');
    // The handler answered before the function's timeout, naming the first record.
    expect(p.invocations[0]!.verdict).toEqual({ kind: 'partial', failedIndex: 0, sequenceNumber: p.invocations[0]!.firstSequenceNumber });
    expect(p.summaries[0]).toMatchObject({ delivered: 0, redelivery: { stoppedBy: 'deadline' } });
    expect(p.invocations[1]).toMatchObject({ retry: true, verdict: { kind: 'success' } });
    expect(delivered(p)).toBe(20);
    expect(acceptedIds()).toEqual(eventIdsOf([payload]).sort());
  });
});
