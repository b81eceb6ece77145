/**
 * Fault suite, Kinesis (docs/faults.md): log events → the real forwarder → kinesalite → the event
 * source mapping → the Prometheus consumer (samples mode) → a real Prometheus, with the stream
 * throttled or unreachable. Every document is counted: delivered (a sample Prometheus holds) or parked.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPrometheusConfig } from '../../../functions/consumers/prometheus/config.ts';
import { createPrometheusProvider } from '../../../functions/consumers/prometheus/PrometheusProvider.ts';
import { hitPayload } from '../../helpers/faultLog.ts';
import { FaultPipeline, type FaultPipelineOptions } from '../../helpers/FaultPipeline.ts';
import { injectPartialFailures } from '../../helpers/injectPartialFailures.ts';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheus.ts';

let prom: PrometheusServer;
let pipeline: FaultPipeline | undefined;
beforeAll(async () => {
  prom = await startPrometheus();
});
afterAll(async () => {
  await prom?.stop();
});
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

/** A pipeline into Prometheus, every metric name under `prefix`. Records of about 5 documents, so a payload makes several. */
async function start(prefix: string, o: Partial<FaultPipelineOptions> = {}): Promise<FaultPipeline> {
  const provider = await createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: prom.remoteWriteUrl, PROM_RW_MODE: 'samples', PROM_RW_PREFIX: prefix }));
  pipeline = await FaultPipeline.start({ provider, forwarderEnv: { RECORD_TARGET_BYTES: '1024', PLATFORM_METRICS: 'false' }, ...o });
  return pipeline;
}

/** The timestamps of every sample Prometheus holds under `prefix`. */
async function heldSamples(prefix: string): Promise<number[]> {
  const series = await prom.rawSeries(`{__name__=~"${prefix}_.*"}`);
  return series.flatMap((s) => s.samples.map(([t]) => t)).sort((a, b) => a - b);
}

describe('Kinesis throttling', () => {
  it('PutRecords entries answered ProvisionedThroughputExceeded for a while are retried alone: 0 documents lost', async () => {
    const p = await start('kthrottle');
    // Every other entry of the first three PutRecords calls is throttled (removed before kinesalite sees it).
    const injected = injectPartialFailures(p.forwarderClient, (call, entry) => call < 3 && entry % 2 === 0);
    const payload = hitPayload('throttling', 40);

    await p.forward([payload]);
    await p.startConsumer();
    await p.drain();

    expect(injected.injected).toBeGreaterThan(0);
    expect(p.forwarder).toMatchObject({ invocations: 1, retries: 0, failedPayloads: 0, emfDocuments: 40, forwardedDocuments: 40, retriedEntries: injected.injected });
    expect(p.forwarder.records).toBeGreaterThan(3);
    expect(p.esmStats).toMatchObject({ recordsProcessed: p.forwarder.records, recordsDiscarded: 0 });
    expect(p.consumerTotals()).toMatchObject({ data: 40, delivered: 40, dropped: {} });
    // Prometheus holds one sample per document, at the document's own timestamp.
    expect(await heldSamples('kthrottle')).toEqual(payload.logEvents.map((e) => e.timestamp));
  });
});

describe("Kinesis outage until the forwarder's deadline", () => {
  const OUTAGE = { cuttableKinesis: true, forwarderTimeoutMs: 1_500, forwarderEnv: { RECORD_TARGET_BYTES: '1024', PLATFORM_METRICS: 'false', DEADLINE_MARGIN_MS: '500' } };

  it("the forwarder throws at its deadline; Lambda's asynchronous retry succeeds once Kinesis is back: 0 documents lost", async () => {
    const p = await start('koutage', OUTAGE);
    const payload = hitPayload('outage', 30);
    await p.kinesisLink!.cut();
    p.onFailedAttempt = () => p.kinesisLink!.restore();

    await p.forward([payload]);
    await p.startConsumer();
    await p.drain();

    expect(p.failedAttempts).toHaveLength(1);
    expect(p.failedAttempts[0]!.error).toMatchObject({ name: 'KinesisWriteError', failedDocuments: 30 });
    expect(p.failedAttempts[0]!.error.message).toMatch(/^could not write \d+ record\(s\) \(30 documents\) to emf-fanout-faults before the deadline/);
    expect(p.forwarder).toMatchObject({ invocations: 2, retries: 1, failedPayloads: 0, lostEvents: 0, forwardedDocuments: 30 });
    expect(p.parked).toEqual([]);
    expect(p.consumerTotals()).toMatchObject({ data: 30, delivered: 30, dropped: {} });
    expect(await heldSamples('koutage')).toEqual(payload.logEvents.map((e) => e.timestamp));
  });

  it("Kinesis fails part way through an event: Lambda's retry writes it all again, and the consumer passes over what it already delivered", async () => {
    const p = await start('kpartway', OUTAGE);
    const payload = hitPayload('part-way', 30);
    // The first 3 entries of the first call are written; every other entry fails until the first attempt has thrown.
    let down = true;
    injectPartialFailures(p.forwarderClient, (call, entry) => down && (call > 0 || entry >= 3));
    p.onFailedAttempt = () => void (down = false);

    await p.forward([payload]);
    await p.startConsumer();
    await p.drain();

    const failed = p.failedAttempts.map((f) => f.error as Error & { failedDocuments: number });
    expect(failed).toHaveLength(1);
    const writtenTwice = 30 - failed[0]!.failedDocuments;
    expect(writtenTwice).toBeGreaterThan(0);
    expect(p.forwarder).toMatchObject({ invocations: 2, retries: 1, failedPayloads: 0, forwardedDocuments: 30 });
    // The stream holds 30 + writtenTwice documents; each is delivered once.
    expect(p.consumerTotals()).toMatchObject({ data: 30, delivered: 30, dropped: {}, duplicates: { documents: writtenTwice, data: writtenTwice } });
    expect(await heldSamples('kpartway')).toEqual(payload.logEvents.map((e) => e.timestamp));
  });

  it('Kinesis down through every attempt: the event is parked in the on-failure destination, its documents counted there', async () => {
    const p = await start('kparked', OUTAGE);
    const delivered = hitPayload('parked-before', 10);
    const payload = hitPayload('parked', 25);
    await p.forward([delivered]);
    await p.kinesisLink!.cut();

    await p.forward([payload]);
    await p.startConsumer();
    await p.drain();

    // 1 attempt and Lambda's 2 retries, each stopped at its deadline.
    expect(p.failedAttempts.map((f) => [f.attempt, f.error.name])).toEqual([[1, 'KinesisWriteError'], [2, 'KinesisWriteError'], [3, 'KinesisWriteError']]);
    expect(p.parked).toEqual([payload]);
    expect(p.forwarder).toMatchObject({ payloads: 2, failedPayloads: 1, lostEvents: 25, forwardedDocuments: 10 });
    // In = delivered + parked: 35 = 10 + 25.
    expect(p.consumerTotals()).toMatchObject({ data: 10, delivered: 10, dropped: {} });
    expect(await heldSamples('kparked')).toEqual(delivered.logEvents.map((e) => e.timestamp));
  });
});
