/**
 * The provider packs lines into datagrams as it serialises them, by the byte lengths the
 * serialiser adds up from the lines' cached parts. For any data and configuration, that must
 * give the datagrams of the serialised lines packed by the definition (`packDatagrams`, which
 * measures each line), with the same notes; `linesOf` checks each line's byte length too.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { loadStatsdConfig } from '../../../functions/consumers/statsd/config.ts';
import { packDatagrams } from '../../../functions/consumers/statsd/DatagramPacker.ts';
import { StatsdProvider } from '../../../functions/consumers/statsd/StatsdProvider.ts';
import type { MetricData, MetricDatum } from '../../../shared/consumer/types.ts';
import { Tally } from '../../../shared/tally.ts';
import { datum, linesOf } from './helpers.ts';

// Multi-byte letters (kept in tags), protocol characters and spaces (replaced), letters and digits.
const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '_', '-', 'é', 'ß', '東', '😀', ':', '|', ',', '#', ' ', '\n', '.'), minLength: 1, maxLength: 120 });
const number = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 });
const value = fc.oneof(
  number,
  fc.array(number, { minLength: 1, maxLength: 4 }),
  fc.array(fc.tuple(number, fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 3 }).map((pairs) => ({
    values: pairs.map(([v]) => v),
    counts: pairs.map(([, c]) => c),
    sum: pairs.reduce((a, [v, c]) => a + v * c, 0),
    min: Math.min(...pairs.map(([v]) => v)),
    max: Math.max(...pairs.map(([v]) => v)),
    count: pairs.reduce((a, [, c]) => a + c, 0),
  })),
  fc.record({ sum: number, min: number, max: number, count: fc.integer({ min: 0, max: 6 }) }),
);
const spec = fc.record({
  style: fc.constantFrom('dogstatsd', 'telegraf', 'statsd'),
  sampleCounts: fc.constantFrom('rate', 'repeat'),
  timestamps: fc.boolean(),
  globalTags: fc.constantFrom('', 'env:prod', 'région:Zürich東京,env:prod,env:dev'),
  sourceTags: fc.constantFrom('', 'region,log_group'),
  maxBytes: fc.constantFrom(512, 700, 8192),
  // Data share dimension objects (by identity, as data of one dimension set do) and contents.
  dimensionSets: fc.array(fc.dictionary(text, text, { maxKeys: 4 }), { minLength: 1, maxLength: 3 }),
  data: fc.array(
    fc.record({
      set: fc.nat(),
      namespace: fc.constantFrom('N', 'App/é'),
      name: fc.constantFrom('m', 'Latency', 'p99 latency:ms'),
      unit: fc.constantFrom<MetricDatum['unit']>('Count', 'Milliseconds', 'Seconds', 'None'),
      value,
      property: fc.oneof(text, number, fc.constant(null)),
    }),
    { minLength: 1, maxLength: 25 },
  ),
});

/** `data` as the consumer handler hands data over: one datum object, refilled for each datum. */
function refilled(data: readonly MetricDatum[]): MetricData {
  return {
    length: data.length,
    forEach(fn) {
      const d = { ...data[0]! };
      data.forEach((x, i) => fn(Object.assign(d, x), i));
    },
  };
}

describe('datagrams built while serialising', () => {
  it('property: the serialised lines packed by the definition, with the same notes', () => {
    fc.assert(
      fc.property(spec, fc.boolean(), (s, refill) => {
        const env = {
          STATSD_STYLE: s.style,
          STATSD_SAMPLE_COUNTS: s.sampleCounts,
          STATSD_MAX_REPEAT: '3',
          STATSD_TIMESTAMPS: String(s.timestamps && s.style === 'dogstatsd'),
          STATSD_GLOBAL_TAGS: s.globalTags,
          STATSD_SOURCE_TAGS: s.sourceTags,
          STATSD_PROPERTY_TAGS: 'p',
          STATSD_MAX_DATAGRAM_BYTES: String(s.maxBytes),
        };
        const properties = s.data.map((x) => ({ p: x.property }));
        const data = s.data.map((x, i) =>
          datum({ namespace: x.namespace, name: x.name, unit: x.unit, value: x.value, dimensions: s.dimensionSets[x.set % s.dimensionSets.length]!, properties: properties[i]! }),
        );
        const notes = new Tally();
        const datagrams = new StatsdProvider(loadStatsdConfig(env)).datagramsOf(refill ? refilled(data) : data, notes);

        const serialised = linesOf(data, env);
        const packNotes = new Tally();
        expect(datagrams).toEqual(packDatagrams(serialised.lines, s.maxBytes, packNotes));
        expect(notes.counts).toEqual({ ...serialised.notes.counts, ...packNotes.counts });
      }),
      { numRuns: fuzzRuns(400) },
    );
  });
});
