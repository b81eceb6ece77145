/**
 * Fault suite, Prometheus' own refusals (docs/faults.md): log events → the real forwarder → kinesalite
 * → the event source mapping → the Prometheus consumer (samples mode, one sample per request so a
 * refusal names one document) → a real Prometheus without an out-of-order window, which answers 400
 * for a sample older than its head accepts ("out of bounds") or older than its series' newest ("out of
 * order"). Such a sample can never be accepted: it is dropped and counted, never retried.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPrometheusConfig } from '../../../functions/consumers/prometheus/config.ts';
import { createPrometheusProvider } from '../../../functions/consumers/prometheus/PrometheusProvider.ts';
import { hitPayload } from '../../helpers/faultLog.ts';
import { FaultPipeline } from '../../helpers/FaultPipeline.ts';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheus.ts';

let prom: PrometheusServer;
let pipeline: FaultPipeline | undefined;
beforeAll(async () => {
  prom = await startPrometheus({ outOfOrderTimeWindow: '0s' });
});
afterAll(async () => {
  await prom?.stop();
});
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

async function start(prefix: string): Promise<FaultPipeline> {
  const provider = await createPrometheusProvider(loadPrometheusConfig({
    PROM_RW_URL: prom.remoteWriteUrl, PROM_RW_MODE: 'samples', PROM_RW_PREFIX: prefix, PROM_RW_MAX_SAMPLES_PER_REQUEST: '1',
  }));
  pipeline = await FaultPipeline.start({ provider, forwarderEnv: { PLATFORM_METRICS: 'false' } });
  await pipeline.startConsumer();
  return pipeline;
}

/** Every sample Prometheus holds under `prefix`, as [metric name, timestamp], in time order. */
async function held(prefix: string): Promise<[string, number][]> {
  const series = await prom.rawSeries(`{__name__=~"${prefix}_.*"}`);
  return series.flatMap((s) => s.samples.map(([t]): [string, number] => [s.labels.__name__!, t])).sort((a, b) => a[1] - b[1]);
}

describe('Prometheus too-old answer', () => {
  it('a sample older than the TSDB accepts (400 "out of bounds") is dropped and counted as prometheus_too_old; its neighbours are delivered', async () => {
    const p = await start('ptooold');
    const now = Date.now();
    const fresh = hitPayload('too-old', 5, { firstTimestamp: now - 10 });
    const stale = hitPayload('too-old', 1, { firstTimestamp: now - 3 * 3_600_000, logStream: 'stale-writer', metric: 'Stale' });
    const after = hitPayload('too-old', 4, { firstTimestamp: now + 1, logStream: 'fresh-writer', metric: 'After' });
    await p.forward([fresh]);
    await p.drain(); // Prometheus' newest sample is now: 3 hours ago is out of its bounds.

    await p.forward([stale, after]);
    await p.drain();

    // In = delivered + dropped: 10 = 9 + 1.
    expect(p.consumerTotals()).toMatchObject({ data: 10, delivered: 9, dropped: { prometheus_too_old: 1 } });
    expect(p.summaries.find((s) => s.dropped.prometheus_too_old)?.examples.prometheus_too_old).toMatch(/HTTP 400: .*out of bounds/);
    expect(p.esmStats).toMatchObject({ retries: 0, recordsDiscarded: 0 });
    expect(p.invocations.every((i) => i.verdict.kind === 'success')).toBe(true);
    expect(await held('ptooold')).toEqual([
      ...fresh.logEvents.map((e): [string, number] => ['ptooold_faults_hits', e.timestamp]),
      ...after.logEvents.map((e): [string, number] => ['ptooold_faults_after', e.timestamp]),
    ]);
  });

  it('an out-of-order sample of a series (400 "out of order") is dropped and counted as prometheus_out_of_order', async () => {
    const p = await start('pooo');
    const now = Date.now();
    // Two Lambda environments write the same series; the later batch carries the older sample.
    const envA = hitPayload('out-of-order', 3, { firstTimestamp: now - 3, logStream: 'env-a' });
    const envB = hitPayload('out-of-order', 2, { firstTimestamp: now - 1_000, logStream: 'env-b' });
    await p.forward([envA]);
    await p.drain();

    await p.forward([envB]);
    await p.drain();

    // In = delivered + dropped: 5 = 3 + 2.
    expect(p.consumerTotals()).toMatchObject({ data: 5, delivered: 3, dropped: { prometheus_out_of_order: 2 } });
    expect(p.esmStats).toMatchObject({ retries: 0, recordsDiscarded: 0 });
    expect(await held('pooo')).toEqual(envA.logEvents.map((e) => ['pooo_faults_hits', e.timestamp]));
  });
});
