/**
 * Hostile input cannot change the shape of what the Datadog consumer sends: for arbitrary namespaces, metric
 * names, dimension keys and values, property tags and values (numbers, arrays, statistic sets), every request
 * body is JSON of Datadog's shape within the size limit, every name and tag follows Datadog's rules (checked
 * here with rules written from Datadog's docs, not from the code), a series has exactly the datum's tags, and
 * every observation is there once: the values of a datum add up to what CloudWatch would count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadDatadogConfig } from '../../../functions/consumers/datadog/config.ts';
import { DatadogTranslator } from '../../../functions/consumers/datadog/translate.ts';
import type { MetricDatum, MetricValue } from '../../../shared/consumer/types.ts';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { datum } from '../statsd/helpers.ts';

const T = 1_763_900_000_500;
const hostileChar = fc.oneof(fc.constantFrom('"', '\\', ',', ':', '|', '#', '\n', '\u0000', '\u2028', ' ', '.', '/', 'İ', 'ß'), fc.constantFrom('a', 'Z', '0', 'é', '東', '😀'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
const hostile = fc.string({ unit: hostileChar, minLength: 1, maxLength: 30 });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 });
const value: fc.Arbitrary<MetricValue> = fc.oneof(
  finite,
  fc.array(finite, { minLength: 1, maxLength: 5 }),
  fc.record({ values: fc.array(finite, { minLength: 1, maxLength: 3 }), counts: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }) }).map(({ values, counts }) => {
    const c = counts.slice(0, values.length);
    return { sum: 0, min: 0, max: 0, count: c.reduce((a, b) => a + b, 0), values, counts: c };
  }),
  fc.record({ min: finite, count: fc.integer({ min: 1, max: 6 }) }).map(({ min, count }) => ({ sum: min * count + count, min, max: min + 2, count })),
);
const units = fc.constantFrom('None', 'Count', 'Milliseconds', 'Bytes') as fc.Arbitrary<MetricDatum['unit']>;
const data = fc.array(
  fc.record({ namespace: hostile, name: hostile, unit: units, value, dimensions: fc.dictionary(hostile, hostile, { maxKeys: 4 }), tagProp: hostile }),
  { minLength: 1, maxLength: 20 },
);

const NAME = /^[A-Za-z][A-Za-z0-9_.]{0,199}$/;
/** Datadog's tag rules: starts with a letter; letters, digits, `_ - : . /`; lower case; at most 200; never ends with `:`. */
function tagProblem(tag: string): string | undefined {
  if (tag.length > 200) return 'longer than 200';
  if (!/^\p{L}/u.test(tag)) return 'does not start with a letter';
  if (!/^[\p{L}\p{N}_\-:./]*$/u.test(tag)) return 'has a character Datadog does not allow';
  if (tag !== tag.toLowerCase()) return 'is not lower case';
  if (tag.endsWith(':')) return 'ends with ":"';
  if (!tag.includes(':')) return 'has no key';
  return undefined;
}

/** What CloudWatch counts for a value: a number 1, an array its length, a statistic set its count. */
const observations = (v: MetricValue) => (typeof v === 'number' ? 1 : Array.isArray(v) ? v.length : (v as { count: number }).count);

describe('Datadog translation of hostile input', () => {
  it('bodies are JSON of Datadog\'s shape within the limit; names and tags follow its rules; every observation is there once', () => {
    fc.assert(
      fc.property(data, fc.constantFrom('1024', '500000'), (items, maxBytes) => {
        const config = loadDatadogConfig({ DD_API_KEY_REF: 'ssm:/k', DD_PROPERTY_TAGS: 'tagProp', DD_MAX_REQUEST_BYTES: maxBytes, DD_GLOBAL_TAGS: 'Env:Prod' });
        const ds = items.map((x) => datum({ ...x, timestamp: T, properties: { tagProp: x.tagProp } }));
        const r = new DatadogTranslator(config.translate, 'w').translate(ds, { oldest: T - 1, newest: T + 1 });
        // Only a statistic set whose counts are all 0 has nothing to send.
        for (const l of r.lost) expect([l.reason, observations(ds[l.at]!.value)]).toEqual(['datadog_no_observations', 0]);
        let values = 0;
        for (const q of r.distributions) {
          expect(Buffer.byteLength(q.body)).toBeLessThanOrEqual(Number(maxBytes));
          const body = JSON.parse(q.body) as { series: { metric: string; type: string; tags: string[]; points: [number, number[]][] }[] };
          for (const s of body.series) {
            expect(s.metric).toMatch(NAME);
            expect(s.type).toBe('distribution');
            for (const t of s.tags) expect([t, tagProblem(t)]).toEqual([t, undefined]);
            expect(new Set(s.tags.map((t) => t.slice(0, t.indexOf(':')))).size).toBe(s.tags.length);
            for (const [ts, vs] of s.points) {
              expect(ts).toBe(Math.floor(T / 1000));
              for (const v of vs) expect(Number.isFinite(v)).toBe(true);
              values += vs.length;
            }
          }
        }
        expect(values).toBe(ds.reduce((n, d) => n + observations(d.value), 0));
      }),
      { numRuns: fuzzRuns(500) },
    );
  });
});
