/**
 * The StatsD consumer against the real npm `statsd` daemon (Etsy StatsD), started on loopback:
 * the documents the real producer libraries wrote (fixture generator) go through the consumer
 * handler, and the daemon's aggregated counters, timers and gauges (read on its management
 * port) must equal what the documented mapping table says, computed here from the EMF text
 * alone. Then the shared provider contract runs against the daemon over TCP, with a real
 * receiver fault (the daemon stopped).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StatsdProvider } from '../../../functions/consumers/statsd/StatsdProvider.ts';
import { loadStatsdConfig } from '../../../functions/consumers/statsd/config.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { describeProviderContract } from '../../../shared/consumer/testing/providerContract.ts';
import { fakeLambdaContext, kinesisEventFromRecords, recordData } from '../../../shared/consumer/testing/kinesisEvent.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { getFixtureLines } from '../../fixtures/generate.ts';
import { daemonKey, startStatsdDaemon, type StatsdAggregates, type StatsdDaemon } from '../../helpers/statsdDaemon.ts';

type Json = Record<string, unknown>;
const TIME_TO_MS: Record<string, number> = { Seconds: 1000, Milliseconds: 1, Microseconds: 0.001 };

/** Datadog's metric-name rule: ASCII letters, digits, `_` and `.`; anything else becomes `_`. */
const ddName = (s: string) => s.replace(/[^A-Za-z0-9_.]/g, '_');
/** Datadog's tag rule: Unicode letters, digits, `_ - : . /`; anything else becomes `_`. */
const ddTagValue = (s: string) => s.replace(/[^\p{L}0-9_\-:./]/gu, '_');
/** A plain-StatsD path segment: letters, digits, `_` and `-`. */
const segment = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * What the daemon must hold for `docs`, per the README's mapping table (Count → counter of the
 * sum; time units → one timer value per element, in ms; other units → gauge, last value wins),
 * one series per dimension set, as the daemon keys them.
 */
function expectedAggregates(docs: readonly Json[], style: 'dogstatsd' | 'statsd'): StatsdAggregates {
  const out: StatsdAggregates = { counters: {}, timers: {}, gauges: {} };
  for (const doc of docs) {
    for (const dir of (doc._aws as Json).CloudWatchMetrics as Json[]) {
      const sets = (dir.Dimensions as string[][] | undefined) ?? [[]];
      for (const set of sets.length ? sets : [[]]) {
        for (const def of dir.Metrics as Json[]) {
          const raw = doc[def.Name as string];
          if (typeof raw === 'object' && !Array.isArray(raw)) throw new Error('statistic sets are not in the producer fixtures; extend this reference first');
          const values = Array.isArray(raw) ? (raw as number[]) : [raw as number];
          const name = ddName(`${dir.Namespace as string}.${def.Name as string}`);
          expect(name, 'fixture names start with a letter').toMatch(/^[A-Za-z]/);
          const key =
            style === 'dogstatsd'
              ? daemonKey(name, set.map((k) => `${k}:${ddTagValue(doc[k] as string)}`))
              : daemonKey(name + [...set].sort().map((k) => `.${segment(k)}.${segment(doc[k] as string)}`).join(''));
          const unit = (def.Unit as string | undefined) ?? 'None';
          if (unit === 'Count') out.counters[key] = (out.counters[key] ?? 0) + values.reduce((a, b) => a + b, 0);
          else if (unit in TIME_TO_MS) (out.timers[key] ??= []).push(...values.map((v) => v * TIME_TO_MS[unit]!));
          else out.gauges[key] = values[values.length - 1]!;
        }
      }
    }
  }
  return out;
}

/** The daemon's aggregates without its own `statsd.*` counters. */
function ours(a: StatsdAggregates): StatsdAggregates {
  const counters = Object.fromEntries(Object.entries(a.counters).filter(([k]) => !k.startsWith('statsd.')));
  return { counters, timers: a.timers, gauges: a.gauges };
}

/** Polls the daemon until `done` holds for its aggregates (or the timeout passes); returns the last read. */
async function readUntil(daemon: StatsdDaemon, done: (a: StatsdAggregates) => boolean, timeoutMs = 5_000): Promise<StatsdAggregates> {
  const stop = Date.now() + timeoutMs;
  for (;;) {
    const got = ours(await daemon.read());
    if (done(got) || Date.now() > stop) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const size = (a: StatsdAggregates) => Object.keys(a.counters).length + Object.keys(a.gauges).length + Object.values(a.timers).flat().length;

describe('real statsd daemon: producer fixtures', () => {
  let daemon: StatsdDaemon;
  let docs: Json[];

  beforeAll(async () => {
    daemon = await startStatsdDaemon();
    const lines = await getFixtureLines();
    docs = lines
      .filter((l) => l.expect.kind === 'emf' && l.producer !== 'handwritten')
      .map((l) => JSON.parse((l.expect as { emf: string }).emf) as Json);
  });
  afterAll(async () => {
    await daemon?.dispose();
  });
  beforeEach(async () => {
    await daemon.stop();
    await daemon.restart(); // empty aggregates
  });

  async function deliver(env: Record<string, string>) {
    expect(docs.length, 'the fixture generator produced EMF documents').toBeGreaterThan(5);
    const provider = new StatsdProvider(loadStatsdConfig(env));
    try {
      const handler = createConsumerHandler(provider, { env: {}, logger: createMemoryLogger() });
      // Several records, as the forwarder packs them.
      const records = [];
      for (let i = 0; i < docs.length; i += 4) records.push(recordData(docs.slice(i, i + 4).map((emf) => ({ emf }))));
      return await handler(kinesisEventFromRecords(records), fakeLambdaContext());
    } finally {
      await provider.close();
    }
  }

  it.each([
    ['dogstatsd', 'udp'],
    ['dogstatsd', 'tcp'],
    ['statsd', 'udp'],
    ['statsd', 'tcp'],
  ] as const)('%s style over %s: counters, timers and gauges equal the mapping table', async (style, protocol) => {
    const port = protocol === 'udp' ? daemon.udpPort : daemon.tcpPort;
    // Etsy StatsD knows `ms`, `c`, `g` and `s` only (it would count `d` and `h` lines as counters).
    const response = await deliver({ STATSD_PROTOCOL: protocol, STATSD_HOST: daemon.host, STATSD_PORT: String(port), STATSD_STYLE: style, STATSD_TIME_TYPE: 'timing' });
    expect(response.batchItemFailures).toEqual([]);

    const want = expectedAggregates(docs, style);
    const got = await readUntil(daemon, (a) => size(a) >= size(want));
    expect(got).toEqual(want);
    expect((await daemon.read()).counters['statsd.bad_lines_seen'], 'the daemon parsed every line').toBe(0);
  });

  it('statistic sets with STATSD_SAMPLE_COUNTS=repeat: the timer holds every observation', async () => {
    docs = [
      {
        _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'Stats', Dimensions: [['Fn']], Metrics: [{ Name: 'Lat', Unit: 'Seconds' }, { Name: 'Size' }] }] },
        Fn: 'f',
        // Values 0.1 s ×2, 0.4 s ×1; sum and count match.
        Lat: { Values: [0.1, 0.4], Counts: [2, 1], Sum: 0.6, Min: 0.1, Max: 0.4, Count: 3 },
        // No values: min, max and (Count − 2) observations of (Sum − Min − Max)/(Count − 2) = 5.
        Size: { Sum: 26, Min: 1, Max: 10, Count: 5 },
      },
      ...docs,
    ];
    try {
      await deliver({
        STATSD_HOST: daemon.host,
        STATSD_PORT: String(daemon.udpPort),
        STATSD_SAMPLE_COUNTS: 'repeat',
        STATSD_TIME_TYPE: 'timing',
        STATSD_TYPE_OVERRIDES: 'Size=timing',
      });
      const got = await readUntil(daemon, (a) => (a.timers['Stats.Lat;Fn=f']?.length ?? 0) >= 3 && (a.timers['Stats.Size;Fn=f']?.length ?? 0) >= 5);
      expect(got.timers['Stats.Lat;Fn=f']).toEqual([100, 100, 400]);
      expect(got.timers['Stats.Size;Fn=f']).toEqual([1, 10, 5, 5, 5]);
    } finally {
      docs = docs.slice(1);
    }
  });
});

describe('real statsd daemon: provider contract over TCP', () => {
  let daemon: StatsdDaemon;
  const providers: StatsdProvider[] = [];
  beforeAll(async () => {
    daemon = await startStatsdDaemon();
  });
  afterAll(async () => {
    for (const p of providers) await p.close();
    await daemon?.dispose();
  });

  describeProviderContract({
    name: 'statsd (tcp, dogstatsd style)',
    makeProvider: () => {
      // `detail` as a property tag: the contract's documents hold it as an object (never a tag), and one of them nested 20,000 deep.
      const p = new StatsdProvider(loadStatsdConfig({ STATSD_PROTOCOL: 'tcp', STATSD_HOST: daemon.host, STATSD_PORT: String(daemon.tcpPort), STATSD_PROPERTY_TAGS: 'detail' }));
      providers.push(p);
      return p;
    },
    received: async () => {
      const a = await daemon.read();
      return [...Object.keys(a.counters), ...Object.keys(a.timers), ...Object.keys(a.gauges)];
    },
    keysOf: (d: MetricDatum) => [daemonKey(ddName(`${d.namespace}.${d.name}`), Object.entries(d.dimensions).map(([k, v]) => `${k}:${ddTagValue(v)}`))],
    receiverFaults: {
      retryable: async () => {
        await daemon.stop();
        await new Promise((r) => setTimeout(r, 100)); // let open clients see their connection close
        return () => daemon.restart();
      },
    },
  });
});
