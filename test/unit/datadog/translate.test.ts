/**
 * The Datadog translator: names and tags by Datadog's rules, observations as CloudWatch counts them,
 * requests within the size limit that say which data they complete, and the points Datadog would drop.
 */
import { describe, expect, it } from 'vitest';
import { loadDatadogConfig } from '../../../functions/consumers/datadog/config.ts';
import { DatadogTranslator, type TranslateResult } from '../../../functions/consumers/datadog/translate.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';
import { datum } from '../statsd/helpers.ts';

const T = 1_763_900_000_500;
const WINDOW = { oldest: T - 3_600_000, newest: T + 600_000 };

function translate(data: readonly MetricDatum[], env: Record<string, string> = {}, window = WINDOW): TranslateResult {
  const config = loadDatadogConfig({ DD_API_KEY_REF: 'ssm:/dd/key', ...env });
  return new DatadogTranslator(config.translate, 'w1').translate(data, window);
}

interface Series {
  metric: string;
  type: string;
  tags: string[];
  points: [number, number[]][];
}
const seriesOf = (r: TranslateResult): Series[] => r.distributions.flatMap((q) => (JSON.parse(q.body) as { series: Series[] }).series);
const valuesOf = (r: TranslateResult): number[] => seriesOf(r).flatMap((s) => s.points.flatMap((p) => p[1]));

describe('names and tags', () => {
  it('names are the StatsD consumer\'s; tags are lower case, sorted, reserved keys renamed, unified service tags kept', () => {
    const d = datum({ namespace: 'Shop', name: 'Checkout Latency', dimensions: { Service: 'Orders', Host: 'web-1', Env: 'PROD', Device: 'x', Source: 'y' } });
    const [s] = seriesOf(translate([d], { DD_PREFIX: 'app', DD_GLOBAL_TAGS: 'Team:Payments' }));
    expect(s!.metric).toBe('app.Shop.Checkout_Latency');
    expect(s!.type).toBe('distribution');
    expect(s!.tags).toEqual(['env:prod', 'exported_device:x', 'exported_host:web-1', 'exported_source:y', 'service:orders', 'team:payments']);
  });

  it('no value can add a tag or break the JSON: separators and quotes become "_"', () => {
    const d = datum({ dimensions: { 'a,b:c': 'x,"y":z\n#q', '"k"': '\\' } });
    const [s] = seriesOf(translate([d]));
    expect(s!.tags).toEqual(['a_b_c:x__y_:z__q', 't__k_:_']);
  });

  it('a dimension beats a property, which beats a source tag and a global tag of the same key', () => {
    const d = datum({ dimensions: { team: 'dim' }, properties: { team: 'prop', version: 3 } });
    const [s] = seriesOf(translate([d], { DD_GLOBAL_TAGS: 'team:global,region:global', DD_PROPERTY_TAGS: 'team,version', DD_SOURCE_TAGS: 'region' }));
    expect(s!.tags).toEqual(['region:eu-west-1', 'team:dim', 'version:3']);
  });

  it('DD_NAMESPACE_IN_NAME=false leaves the namespace out', () => {
    expect(seriesOf(translate([datum({ namespace: 'Shop', name: 'Orders' })], { DD_NAMESPACE_IN_NAME: 'false' }))[0]!.metric).toBe('Orders');
  });
});

describe('observations', () => {
  it('a number is one, each array element one, time units in milliseconds, the point at the EMF second', () => {
    const r = translate([datum({ value: 0.25, unit: 'Seconds' }), datum({ name: 'n', value: [1, 2, 2] })]);
    const s = seriesOf(r);
    expect(s[0]!.points).toEqual([[Math.floor(T / 1000), [250]]]);
    expect(s[1]!.points).toEqual([[Math.floor(T / 1000), [1, 2, 2]]]);
  });

  it('statistic sets keep count, sum, min and max; Values are repeated Counts times', () => {
    const plain = valuesOf(translate([datum({ value: { sum: 30, min: 2, max: 10, count: 5 } })]));
    expect(plain).toHaveLength(5);
    expect(plain.reduce((a, b) => a + b, 0)).toBeCloseTo(30);
    expect([Math.min(...plain), Math.max(...plain)]).toEqual([2, 10]);
    expect(valuesOf(translate([datum({ value: { sum: 7, min: 1, max: 3, count: 4, values: [1, 3], counts: [3, 0] } })]))).toEqual([1, 1, 1]);
    expect(valuesOf(translate([datum({ value: { sum: 4, min: 4, max: 4, count: 1 } })]))).toEqual([4]);
  });

  it('what cannot be sent is dropped with its reason and position; the others go', () => {
    const r = translate([
      datum({ name: 'ok' }),
      datum({ name: 'half', value: { sum: 1, min: 1, max: 1, count: 2, values: [1], counts: [0.5] } }),
      datum({ name: 'empty', value: { sum: 0, min: 0, max: 0, count: 0 } }),
      datum({ name: 'huge', value: { sum: 1, min: 1, max: 1, count: 200_000, values: [1], counts: [200_000] } }),
      datum({ name: 'inf', unit: 'Seconds', value: 1.7e308 }),
      datum({ name: 'old', timestamp: WINDOW.oldest - 1 }),
      datum({ name: 'future', timestamp: WINDOW.newest + 1 }),
    ]);
    expect(r.dropped.counts).toEqual({
      datadog_no_observations: 2,
      datadog_too_many_values: 1,
      datadog_value_not_finite: 1,
      datadog_point_too_old: 1,
      datadog_point_in_future: 1,
    });
    expect(r.lost.map((l) => l.at)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seriesOf(r).map((s) => s.metric)).toEqual(['N.ok']);
  });
});

describe('requests', () => {
  it('stay within DD_MAX_REQUEST_BYTES, hold every value once, and say which data they complete', () => {
    const data = Array.from({ length: 500 }, (_, i) => datum({ name: `m${i % 7}`, dimensions: { D: `v${i % 13}` }, value: [i + 0.123456789, i * 3.3] }));
    const r = translate(data, { DD_MAX_REQUEST_BYTES: '4096' });
    expect(r.distributions.length).toBeGreaterThan(5);
    for (const q of r.distributions) expect(Buffer.byteLength(q.body)).toBeLessThanOrEqual(4096);
    const ends = r.distributions.map((q) => q.end);
    expect(ends).toEqual([...ends].sort((a, b) => a - b));
    expect(ends.at(-1)).toBe(500);
    expect(valuesOf(r).sort((a, b) => a - b)).toEqual(data.flatMap((d) => d.value as number[]).sort((a, b) => a - b));
    // A datum goes in one request whole: request k holds exactly the values of data [end of k−1, end of k).
    const owner = new Map(data.flatMap((d, i) => (d.value as number[]).map((v) => [v, i] as const)));
    let from = 0;
    for (const q of r.distributions) {
      const owners = (JSON.parse(q.body) as { series: Series[] }).series.flatMap((s) => s.points.flatMap((p) => p[1].map((v) => owner.get(v)!)));
      expect(Math.min(...owners)).toBe(from);
      expect(Math.max(...owners)).toBe(q.end - 1);
      expect(new Set(owners).size).toBe(q.data);
      from = q.end;
    }
  });

  it('a datum larger than one request is split over several, complete only with the last', () => {
    const big = datum({ name: 'big', value: { sum: 0, min: 0, max: 0, count: 3000, values: [1.5, 2.25], counts: [1500, 1500] } });
    const r = translate([datum({ name: 'a' }), big, datum({ name: 'b' })], { DD_MAX_REQUEST_BYTES: '4096' });
    expect(r.distributions.length).toBeGreaterThan(2);
    expect(r.distributions[0]!.end).toBe(1);
    expect(r.distributions.slice(0, -1).every((q) => q.end <= 2)).toBe(true);
    expect(r.distributions.at(-1)!.end).toBe(3);
    expect(valuesOf(r)).toHaveLength(3002);
  });
});

describe('the chunk\'s memory', () => {
  it('stops reading a chunk whose requests would pass 16 MB (weights expanded), at a datum boundary, with at least one datum', () => {
    const heavy = (name: string) => datum({ name, value: { sum: 0, min: 0, max: 0, count: 100_000, values: [1.2345678901234567], counts: [100_000] } });
    const r = translate(Array.from({ length: 20 }, (_, i) => heavy(`h${i}`)), { DD_MAX_VALUES_PER_DATUM: '100000' });
    expect(r.stoppedAt).toBeGreaterThan(0);
    expect(r.stoppedAt).toBeLessThan(20);
    expect(r.data).toBe(20);
    expect(r.distributions.at(-1)!.end).toBe(r.stoppedAt);
    expect(valuesOf(r)).toHaveLength(r.stoppedAt! * 100_000);
    expect(r.distributions.reduce((n, q) => n + q.body.length, 0)).toBeLessThanOrEqual(16 * 1_048_576);
  });
});

describe('series mode', () => {
  it('Count → count changes in the interval, other units → gauges, each tagged with the writer; overrides win', () => {
    const r = translate(
      [datum({ name: 'Orders', unit: 'Count', value: [1, 2] }), datum({ name: 'Latency', unit: 'Milliseconds', value: [5, 7] }), datum({ name: 'Size', unit: 'Bytes', value: 3 })],
      { DD_MODE: 'series', DD_SERIES_INTERVAL_SECONDS: '60', DD_TYPE_OVERRIDES: 'Size=distribution' },
    );
    const start = Math.floor(T / 1000) - (Math.floor(T / 1000) % 60);
    expect(r.changes.map((c) => [c.type, c.value, c.timestamp, c.position])).toEqual([['count', 3, start, 0], ['gauge', 7, start, 1]]);
    expect(r.changes[0]!.head).toContain('"type":1,"interval":60,"tags":["d:x","emf_fanout_writer:w1"]');
    expect(seriesOf(r).map((s) => s.metric)).toEqual(['N.Size']);
  });

  it('one set of tags is one series whatever the order of its dimensions', () => {
    const r = translate([datum({ unit: 'Count', dimensions: { a: '1', b: '2' } }), datum({ unit: 'Count', dimensions: { b: '2', a: '1' } })], { DD_MODE: 'series' });
    expect(new Set(r.changes.map((c) => c.key)).size).toBe(1);
  });
});
