/**
 * The Prometheus provider against a real Prometheus (Debian's package, 2.42): fixture documents
 * from the real producer libraries go through the consumer handler, and Prometheus's HTTP API
 * must then hold exactly the series the README's naming rules promise.
 */
import fc from 'fast-check';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import { describeProviderContract } from '../../../shared/consumer/testing/providerContract.ts';
import { fakeLambdaContext, kinesisEventFromRecords, recordData, type TestDocument } from '../../../shared/consumer/testing/kinesisEvent.ts';
import type { AnyProvider as Provider, MetricDatum } from '../../../shared/consumer/types.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { loadPrometheusConfig } from '../../../functions/consumers/prometheus/config.ts';
import { createPrometheusProvider } from '../../../functions/consumers/prometheus/PrometheusProvider.ts';
import { createTranslator } from '../../../functions/consumers/prometheus/translate.ts';
import { decodeWriteRequest } from '../../../functions/consumers/prometheus/writeRequest.ts';
import { getFixtureLines, type FixtureLine } from '../../fixtures/generate.ts';
import { startPrometheus, type PrometheusServer, type RawSeries } from '../../helpers/prometheus.ts';
import { arbitraryData } from '../../helpers/prometheusArbitraries.ts';
import { CumulativeOracle, latestByWriterlessSeries, Oracle, seriesKeyOf } from '../../helpers/prometheusExpect.ts';

let prom: PrometheusServer;
beforeAll(async () => {
  prom = await startPrometheus({ outOfOrderTimeWindow: '2h' });
});
afterAll(async () => {
  await prom?.stop();
});

const makeProvider = (env: Record<string, string> = {}) => createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: prom.remoteWriteUrl, ...env }));

async function runHandler(provider: Provider, event: KinesisStreamEvent, remainingMs = 30_000) {
  let summary: ConsumerSummary | undefined;
  const logger = createMemoryLogger();
  const handler = createConsumerHandler(provider, { env: {}, logger, onSummary: (s) => (summary = s) });
  const response = await handler(event, fakeLambdaContext({ remainingMs }));
  return { response, summary: summary!, logger };
}

/** Prometheus's content as `name{labels}` → [[ts, value]…] in time order. */
function asMap(series: RawSeries[]): Map<string, [number, number][]> {
  return new Map(series.map((s) => [seriesKeyOf(s.labels), s.samples]));
}

describe('fixture documents → consumer handler → real Prometheus', () => {
  it.each(['samples', 'cumulative'] as const)('%s mode: Prometheus holds every expected series, nothing missing, nothing extra', async (mode) => {
    const lines = (await getFixtureLines()).filter((l): l is FixtureLine & { expect: { kind: 'emf'; emf: string } } => l.expect.kind === 'emf');

    // The fixtures must cover what this test claims to cover.
    const producers = new Set(lines.map((l) => l.producer));
    expect(producers.has('aws-embedded-metrics') && producers.has('powertools')).toBe(true);
    const shapes = new Set<string>();
    let multiSet = false;
    for (const l of lines) {
      const doc = JSON.parse(l.expect.emf) as { _aws: { CloudWatchMetrics: { Dimensions?: string[][]; Metrics: { Name: string }[] }[] } } & Record<string, unknown>;
      for (const d of doc._aws.CloudWatchMetrics) {
        if ((d.Dimensions?.length ?? 0) > 1) multiSet = true;
        for (const m of d.Metrics) shapes.add(Array.isArray(doc[m.Name]) ? 'array' : typeof doc[m.Name]);
      }
    }
    expect([...shapes].sort()).toEqual(['array', 'number', 'object']);
    expect(multiSet).toBe(true);

    // One record per run of lines from the same log stream, in log order (as the forwarder packs them).
    const records: Buffer[] = [];
    const prefix = mode === 'samples' ? 'fx' : 'fxc';
    const oracle = new Oracle(prefix);
    const cumulative = new CumulativeOracle(prefix);
    let run: { line: FixtureLine; docs: TestDocument[] } | undefined;
    const flush = () => {
      if (run) records.push(recordData(run.docs, { owner: '111122223333', region: 'eu-west-1', logGroup: run.line.logGroup, logStream: run.line.logStream }, records.length % 2 ? 'none' : 'gzip'));
    };
    for (const l of lines) {
      if (!run || run.line.logGroup !== l.logGroup || run.line.logStream !== l.logStream) {
        flush();
        run = { line: l, docs: [] };
      }
      run.docs.push({ emf: l.expect.emf, timestamp: l.timestamp });
      oracle.addDocument(l.expect.emf, l.timestamp);
      cumulative.addDocument(l.expect.emf, l.timestamp);
    }
    flush();
    expect(records.length).toBeGreaterThan(1);

    const { response, summary } = await runHandler(await makeProvider({ PROM_RW_PREFIX: prefix, PROM_RW_MODE: mode }), kinesisEventFromRecords(records));
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.dropped).toEqual({});
    expect(summary.delivered).toBe(summary.data);

    const held = await prom.rawSeries(`{__name__=~"${prefix}(_.*)?"}`);
    if (mode === 'samples') {
      const expected = new Map([...oracle.series].map(([k, samples]) => [k, [...samples].sort(([a], [b]) => a - b)]));
      const actual = asMap(held);
      expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
      expect(actual.size).toBeGreaterThan(20);
    } else {
      // Every series the documents promise, with its value; nothing else (a 0 sample starts each cumulative series).
      const latest = latestByWriterlessSeries(held);
      expect(Object.fromEntries(latest)).toEqual(Object.fromEntries(cumulative.values));
      expect(latest.size).toBeGreaterThan(50);
      expect(new Set(held.map((h) => h.labels.emf_fanout_writer)).size).toBe(1);
    }
  });
});

describe('real Prometheus 2.42 answers', () => {
  it('samples mode: a sample older than the out-of-order window (2.42 answers 500 "too old") is dropped with a reason, not retried', async () => {
    const now = Date.now();
    const doc = (ts: number, name: string) => ({
      emf: { _aws: { Timestamp: ts, CloudWatchMetrics: [{ Namespace: 'Old', Dimensions: [['Service']], Metrics: [{ Name: name, Unit: 'Count' }] }] }, Service: 'svc', [name]: 1 },
      timestamp: ts,
    });
    const provider = await makeProvider({ PROM_RW_PREFIX: 'old', PROM_RW_MODE: 'samples' });
    // A fresh sample first, so the head's max time is "now" and 3 h ago is outside the 2 h window.
    const fresh = await runHandler(provider, kinesisEventFromRecords([recordData([doc(now, 'Fresh')])]));
    expect(fresh.summary.dropped).toEqual({});

    const stale = await runHandler(provider, kinesisEventFromRecords([recordData([doc(now - 3 * 3_600_000, 'Stale')])]));
    expect(stale.response.batchItemFailures).toEqual([]);
    expect(stale.summary.dropped).toEqual({ prometheus_too_old: 1 });
    expect(stale.summary.calls).toBe(1);
    expect(stale.summary.retries).toBe(0);
    const warn = stale.logger.entries.find((e) => e.message.startsWith('prometheus: receiver rejected'));
    expect(warn?.fields).toMatchObject({ reason: 'prometheus_too_old', error: expect.stringMatching(/HTTP 500: .*too old/) });
    expect(asMap(await prom.rawSeries('{__name__=~"old_.*"}'))).toEqual(new Map([['old_old_fresh{service="svc"}', [[now, 1]]]]));
  });

  it('samples mode, two writers of one series: out of order for a Prometheus without an out-of-order window (dropped, counted), accepted with one', async () => {
    const now = Date.now();
    // Two Lambda environments emitting the same metric and dimensions: the later batch carries the older sample.
    const doc = (ts: number, value: number) => ({
      emf: { _aws: { Timestamp: ts, CloudWatchMetrics: [{ Namespace: 'Ooo', Dimensions: [['Service']], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }] }] }, Service: 'svc', Latency: value },
      timestamp: ts,
    });
    const strict = await startPrometheus({ outOfOrderTimeWindow: '0s' });
    try {
      for (const [server, prefix] of [[strict, 'strict'], [prom, 'ooo']] as const) {
        const p = await createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: server.remoteWriteUrl, PROM_RW_PREFIX: prefix, PROM_RW_MODE: 'samples' }));
        const a = await runHandler(p, kinesisEventFromRecords([recordData([doc(now, 20)], { logStream: 'env-a' })]));
        const b = await runHandler(p, kinesisEventFromRecords([recordData([doc(now - 1_000, 10)], { logStream: 'env-b' })]));
        expect(a.summary.dropped).toEqual({});
        const stored = asMap(await server.rawSeries(`{__name__=~"${prefix}(_.*)?"}`));
        if (server === strict) {
          expect(b.summary.dropped).toEqual({ prometheus_out_of_order: 1 });
          expect(b.response.batchItemFailures).toEqual([]);
          expect(stored).toEqual(new Map([['strict_ooo_latency_seconds{service="svc"}', [[now, 0.02]]]]));
        } else {
          expect(b.summary.dropped).toEqual({});
          expect(stored).toEqual(new Map([['ooo_ooo_latency_seconds{service="svc"}', [[now - 1_000, 0.01], [now, 0.02]]]]));
        }
      }
    } finally {
      await strict.stop();
    }
  });

  it('fast-check, samples mode: arbitrary names, dimension keys and values always make requests Prometheus accepts and stores in full', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(arbitraryData(Date.now() - 15 * 60_000), async (data) => {
        const prefix = `pbt${run++}`;
        const provider = await makeProvider({ PROM_RW_PREFIX: prefix, PROM_RW_MAX_SAMPLES_PER_REQUEST: '20', PROM_RW_MODE: 'samples' });
        const result = await provider.send(data, { deadline: Date.now() + 20_000, logger: createMemoryLogger(), signal: new AbortController().signal, invocation: {} });
        expect(result).toEqual({ status: 'success' });
        // What Prometheus stored is exactly what the translation sent.
        const sent = new Map<string, [number, number][]>();
        for (const r of createTranslator({ prefix, maxSamplesPerRequest: 20, mode: 'samples' }).translate(data).requests) {
          for (const s of r.request.timeseries) {
            const key = seriesKeyOf(Object.fromEntries(s.labels.map((l) => [l.name, l.value])));
            sent.set(key, [...(sent.get(key) ?? []), ...s.samples.map((x): [number, number] => [x.timestamp, x.value])]);
          }
        }
        const stored = asMap(await prom.rawSeries(`{__name__=~"${prefix}(_.*)?"}`));
        expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(sent));
      }),
      { numRuns: 25 },
    );
  });

  it('fast-check, cumulative mode: arbitrary names, dimension keys and values always make writes Prometheus accepts and stores in full', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(arbitraryData(Date.now() - 15 * 60_000), async (data) => {
        const prefix = `cpbt${run++}`;
        // What the provider wrote, read back from the request bodies it sent.
        const written = new Map<string, [number, number][]>();
        const recording: typeof fetch = async (input, init) => {
          for (const t of decodeWriteRequest(init!.body as Uint8Array).timeseries) {
            const key = seriesKeyOf(Object.fromEntries(t.labels.map((l) => [l.name, l.value])));
            written.set(key, [...(written.get(key) ?? []), ...t.samples.map((x): [number, number] => [x.timestamp, x.value])]);
          }
          return fetch(input, init);
        };
        const provider = await createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: prom.remoteWriteUrl, PROM_RW_PREFIX: prefix, PROM_RW_MAX_SAMPLES_PER_REQUEST: '20' }), { fetch: recording });
        const ctx = { deadline: Date.now() + 20_000, logger: createMemoryLogger(), signal: new AbortController().signal, invocation: {} };
        expect(await provider.send(data, ctx)).toEqual({ status: 'success' });
        const flushed = await provider.flush!(ctx);
        // Every label and name was accepted as written: Prometheus holds exactly the samples sent.
        const stored = asMap(await prom.rawSeries(`{__name__=~"${prefix}(_.*)?"}`));
        expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(written));
        // Each series' value is what the documents add up to, and only what the README drops is dropped.
        const oracle = new CumulativeOracle(prefix);
        let modelled = true;
        try {
          data.forEach((d) => oracle.addDatum(d));
        } catch {
          modelled = false; // dimension keys colliding on one label name: the oracle does not model the renaming
        }
        if (!modelled) return;
        expect(flushed).toEqual(Object.keys(oracle.dropped).length === 0 ? { status: 'success' } : expect.objectContaining({ status: 'failure', dropped: oracle.dropped }));
        expect(Object.fromEntries(latestByWriterlessSeries(await prom.rawSeries(`{__name__=~"${prefix}(_.*)?"}`)))).toEqual(Object.fromEntries(oracle.values));
      }),
      { numRuns: 25 },
    );
  });
});

describeProviderContract({
  name: 'prometheus (samples mode) → real Prometheus 2.42',
  makeProvider: () => makeProvider({ PROM_RW_MODE: 'samples' }),
  async received() {
    const series = await prom.rawSeries('{__name__=~"emf_fanout_contract_.*"}');
    return series.flatMap((s) => s.samples.map(([t, v]) => `${seriesKeyOf(s.labels)}@${t}=${v}`));
  },
  keysOf(d: MetricDatum) {
    const o = new Oracle();
    o.addDatum(d);
    return o.keys();
  },
  settleTimeoutMs: 2_000,
  receiverFaults: {
    // A frozen Prometheus: connections hang until the invocation's deadline.
    retryable: () => prom.pause(),
  },
});

describeProviderContract({
  name: 'prometheus (cumulative mode) → real Prometheus 2.42',
  makeProvider: () => makeProvider(),
  async received() {
    return [...latestByWriterlessSeries(await prom.rawSeries('{__name__=~"emf_fanout_contract_.*"}'))].map(([k, v]) => `${k}=${v}`);
  },
  // Every datum of the contract batches is its own series: its keys are that series' final values.
  keysOf(d: MetricDatum) {
    const o = new CumulativeOracle();
    o.addDatum(d);
    return o.keys();
  },
  settleTimeoutMs: 2_000,
  receiverFaults: {
    retryable: () => prom.pause(),
  },
});
