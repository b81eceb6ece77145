/**
 * Hostile input cannot change the shape of what goes on the wire: for arbitrary namespaces,
 * metric names, dimension keys and values and property values, the datagrams parsed back with
 * each style's grammar (written here from the protocol documents, not from the code) hold
 * exactly the intended lines, one metric name per datum and never more tags than intended.
 * And statistic sets survive the trip: parsed back with their sample rates, the observations
 * have the set's count, sum, minimum and maximum.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { loadStatsdConfig } from '../../../functions/consumers/statsd/config.ts';
import { StatsdProvider } from '../../../functions/consumers/statsd/StatsdProvider.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';
import { Tally } from '../../../shared/tally.ts';
import { datum, linesOf } from './helpers.ts';

const PROTOCOL_CHARS = ['|', ',', '#', '@', ':', '\n', '\r', '=', ';', ' ', '.', '/', '\\', '\t', '\u0000', '\u2028', '-', '_'];
const hostileChar = fc.oneof(fc.constantFrom(...PROTOCOL_CHARS), fc.constantFrom('a', 'Z', '0', 'é', '東', '😀'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
const hostile = fc.string({ unit: hostileChar, minLength: 1, maxLength: 24 });
const propertyValue = fc.oneof(hostile, fc.constant(''), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 }));

type Style = 'dogstatsd' | 'telegraf' | 'statsd';
const TYPES = 'c|g|ms|h|d';
const VALUE = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/;
const NAME = /^[A-Za-z][A-Za-z0-9_.]*$/;
const DD_TAG = /^\p{L}[\p{L}0-9_\-./]*:[\p{L}0-9_\-:./]*$/u;
const TELEGRAF_TAG = /^\p{L}[\p{L}0-9_\-./]*=[\p{L}0-9_\-./]*$/u;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

interface Parsed {
  name: string;
  value: number;
  type: string;
  rate: number;
  tags: string[];
}

/** One line by the style's grammar; throws (failing the property) if the line does not follow it. */
function parseLine(line: string, style: Style): Parsed {
  const re =
    style === 'dogstatsd'
      ? new RegExp(`^([^:|\\n\\r]+):([^|]+)\\|(${TYPES})(?:\\|@([^|]+))?(?:\\|#([^|]*))?(?:\\|T(\\d+))?$`, 'u')
      : new RegExp(`^([^:|\\n\\r]+):([^|]+)\\|(${TYPES})(?:\\|@([^|]+))?$`, 'u');
  const m = re.exec(line);
  if (!m) throw new Error(`line does not follow the ${style} grammar: ${JSON.stringify(line)}`);
  const [, head, value, type, rate, tagText] = m;
  expect(value).toMatch(VALUE);
  let name = head!;
  let tags: string[] = [];
  if (style === 'dogstatsd') {
    tags = tagText === undefined ? [] : tagText.split(',');
    for (const t of tags) {
      expect(t).toMatch(DD_TAG);
      expect(t.length).toBeLessThanOrEqual(200);
      expect(t.endsWith(':')).toBe(false);
    }
  } else if (style === 'telegraf') {
    const parts = head!.split(',');
    name = parts[0]!;
    tags = parts.slice(1);
    for (const t of tags) expect(t).toMatch(TELEGRAF_TAG);
  }
  expect(name).toMatch(style === 'statsd' ? /^[A-Za-z][A-Za-z0-9_.-]*$/ : NAME);
  if (style !== 'statsd') expect(name.length).toBeLessThanOrEqual(200);
  return { name: name!, value: Number(value), type: type!, rate: rate === undefined ? 1 : Number(rate), tags };
}

const spec = fc.record({
  style: fc.constantFrom<Style>('dogstatsd', 'telegraf', 'statsd'),
  namespace: hostile,
  name: hostile,
  unit: fc.constantFrom('Count', 'Milliseconds', 'None') as fc.Arbitrary<MetricDatum['unit']>,
  values: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), { minLength: 1, maxLength: 4 }),
  dims: fc.uniqueArray(fc.tuple(hostile, hostile), { maxLength: 5, selector: ([k]) => k }),
  props: fc.record({ p1: propertyValue, p2: propertyValue }, { requiredKeys: [] }),
});

describe('injection safety', () => {
  it('property: arbitrary names, dimensions and properties never add lines, metrics or tags', () => {
    fc.assert(
      fc.property(spec, ({ style, namespace, name, unit, values, dims, props }) => {
        const env = { STATSD_STYLE: style, STATSD_PROPERTY_TAGS: 'p1,p2', STATSD_MAX_DATAGRAM_BYTES: '512' };
        const d = datum({ namespace, name, unit, value: values, dimensions: Object.fromEntries(dims), properties: props });
        const datagrams = new StatsdProvider(loadStatsdConfig(env)).datagramsOf([d], new Tally());
        const lines = datagrams.flatMap((g) => g.split('\n'));
        const parsed = lines.map((l) => parseLine(l, style));

        // Lines and values: a counter is one line with the sum; other types one line per value,
        // with a 0 reset before a negative gauge outside DogStatsD (a signed gauge is a delta there).
        const expected =
          unit === 'Count' ? [values.reduce((a, b) => a + b, 0)] : unit === 'None' && style !== 'dogstatsd' ? values.flatMap((v) => (v < 0 ? [0, v] : [v])) : values;
        expect(parsed.map((p) => p.value)).toEqual(expected.map((v) => (v === 0 ? 0 : v)));
        const code = unit === 'Count' ? 'c' : unit === 'Milliseconds' ? (style === 'dogstatsd' ? 'd' : 'ms') : 'g';
        expect(parsed.map((p) => p.type)).toEqual(parsed.map(() => code));
        // Metrics: one name for the whole datum.
        expect(new Set(parsed.map((p) => p.name)).size).toBe(1);

        // Tags: never more than the dimensions plus the scalar allow-listed properties.
        const scalar = (v: unknown) => (typeof v === 'string' && v !== '') || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
        const intended = dims.length + Object.values(props).filter(scalar).length;
        if (style === 'statsd') {
          const base = parseLine(linesOf(datum({ namespace, name, unit: 'Count', value: 1, dimensions: {}, properties: {} }), { STATSD_STYLE: 'statsd' }).lines[0]!, 'statsd').name;
          const folded = parsed[0]!.name;
          expect(folded === base || folded.startsWith(`${base}.`)).toBe(true);
          const segments = folded === base ? [] : folded.slice(base.length + 1).split('.');
          expect(segments.length % 2).toBe(0);
          expect(segments.length / 2).toBeLessThanOrEqual(intended);
          for (const s of segments) expect(s).toMatch(SEGMENT);
        } else {
          for (const p of parsed) {
            expect(p.tags.length).toBeLessThanOrEqual(intended);
            if (intended > 0) expect(p.tags.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: fuzzRuns(500) },
    );
  });
});

describe('statistic sets survive the trip', () => {
  it('property: parsed back with sample rates, a set without Values keeps its count, sum, min and max', () => {
    const set = fc
      .record({
        min: fc.integer({ min: -1000, max: 1000 }),
        spread: fc.integer({ min: 0, max: 1000 }),
        inner: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 0, maxLength: 30 }),
      })
      .map(({ min, spread, inner }) => {
        const max = min + spread;
        const observations = [min, max, ...inner.map((f) => min + f * spread)];
        return { min, max, count: observations.length, sum: observations.reduce((a, b) => a + b, 0) };
      });
    fc.assert(
      fc.property(set, fc.constantFrom<Style>('dogstatsd', 'telegraf', 'statsd'), (s, style) => {
        const { lines } = linesOf(datum({ unit: 'Milliseconds', value: { ...s } }), { STATSD_STYLE: style });
        const parsed = lines.map((l) => parseLine(l, style));
        const count = parsed.reduce((a, p) => a + 1 / p.rate, 0);
        const sum = parsed.reduce((a, p) => a + p.value / p.rate, 0);
        expect(count).toBeCloseTo(s.count, 9);
        expect(sum).toBeCloseTo(s.sum, 6);
        expect(Math.min(...parsed.map((p) => p.value))).toBe(s.min);
        expect(Math.max(...parsed.map((p) => p.value))).toBe(s.max);
        for (const p of parsed) expect(p.rate > 0 && p.rate <= 1).toBe(true);
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('property: Values with Counts come back as the same multiset of observations', () => {
    const set = fc.uniqueArray(fc.tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 50 })), { minLength: 1, maxLength: 8, selector: ([v]) => v });
    fc.assert(
      fc.property(set, fc.constantFrom<'rate' | 'repeat'>('rate', 'repeat'), (pairs, mode) => {
        const values = pairs.map(([v]) => v);
        const counts = pairs.map(([, c]) => c);
        const total = counts.reduce((a, b) => a + b, 0);
        const sum = pairs.reduce((a, [v, c]) => a + v * c, 0);
        const value = { values, counts, sum, min: Math.min(...values), max: Math.max(...values), count: total };
        const { lines } = linesOf(datum({ unit: 'Milliseconds', value }), { STATSD_SAMPLE_COUNTS: mode, STATSD_MAX_REPEAT: '20' });
        const weights = new Map<number, number>();
        for (const p of lines.map((l) => parseLine(l, 'dogstatsd'))) weights.set(p.value, (weights.get(p.value) ?? 0) + 1 / p.rate);
        for (const [v, c] of pairs) {
          if (c === 0) expect(weights.has(v)).toBe(false);
          else expect(weights.get(v)).toBeCloseTo(c, 9);
        }
      }),
      { numRuns: fuzzRuns(300) },
    );
  });
});
