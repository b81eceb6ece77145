import { describe, expect, it } from 'vitest';
import type { MetricDatum, MetricValue } from '../../../shared/consumer/types.ts';
import type { EmfUnit } from '../../../shared/emf/constants.ts';
import { createTranslator, toWriteRequests } from '../../../functions/consumers/prometheus/translate.ts';
import { encodeWriteRequestProto, type TimeSeries } from '../../../functions/consumers/prometheus/writeRequest.ts';

const T = 1_790_000_000_000;

function datum(o: {
  name?: string;
  namespace?: string;
  unit?: EmfUnit;
  timestamp?: number;
  value?: MetricValue | number | number[];
  dimensions?: Record<string, string>;
  directiveDimensions?: Record<string, string>;
  properties?: Record<string, unknown>;
  eventId?: string;
}): MetricDatum {
  const v = o.value ?? 1;
  const dimensions = o.dimensions ?? {};
  return {
    namespace: o.namespace ?? 'App',
    name: o.name ?? 'Hits',
    unit: o.unit ?? 'None',
    storageResolution: 60,
    timestamp: o.timestamp ?? T,
    value: v,
    dimensions,
    directiveDimensions: o.directiveDimensions ?? dimensions,
    properties: o.properties ?? {},
    source: { account: '111122223333', region: 'eu-west-1', logGroup: '/aws/lambda/f', logStream: '2026/01/01/[$LATEST]abc', eventId: o.eventId ?? 'e1', origin: 'emf' },
  };
}

/** All series of all requests, as `name{a="x",b="y"}` → [[ts, value]…] (a series split across requests joined). */
function flatten(result: ReturnType<typeof toWriteRequests>): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const r of result.requests) {
    for (const s of r.request.timeseries) {
      const key = seriesKey(s);
      out.set(key, [...(out.get(key) ?? []), ...s.samples.map((x): [number, number] => [x.timestamp, x.value])]);
    }
  }
  return out;
}

function seriesKey(s: TimeSeries): string {
  const name = s.labels.find((l) => l.name === '__name__')?.value;
  const rest = s.labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}="${l.value}"`);
  return `${name}{${rest.join(',')}}`;
}

describe('toWriteRequests: series and labels', () => {
  it('one gauge series per metric and dimension set, labels sorted, unit converted', () => {
    const r = toWriteRequests([
      datum({ name: 'Latency', unit: 'Milliseconds', value: 250, dimensions: { Service: 'api', Operation: 'get' } }),
      datum({ name: 'Latency', unit: 'Milliseconds', value: 125, dimensions: { Service: 'api' } }),
    ]);
    expect(Object.fromEntries(flatten(r))).toEqual({
      'app_latency_seconds{operation="get",service="api"}': [[T, 0.25]],
      'app_latency_seconds{service="api"}': [[T, 0.125]],
    });
    const labels = r.requests[0]!.request.timeseries[0]!.labels.map((l) => l.name);
    expect(labels).toEqual(['__name__', 'operation', 'service']);
  });

  it('sorts labels by byte order even when a preserved upper-case name sorts before __name__', () => {
    const r = toWriteRequests([datum({ dimensions: { Zone: 'a', _2: 'b', lower: 'c' } })], { nameCase: 'preserve' });
    expect(r.requests[0]!.request.timeseries[0]!.labels.map((l) => l.name)).toEqual(['Zone', '_2', '__name__', 'lower']);
  });

  it('drops labels with empty values (Prometheus rejects them)', () => {
    const r = toWriteRequests([datum({ dimensions: { Service: '', Stage: 'prod' } })]);
    expect([...flatten(r).keys()]).toEqual(['app_hits{stage="prod"}']);
  });

  it('a dimension named __name__ cannot replace the metric name', () => {
    const r = toWriteRequests([datum({ dimensions: { __name__: 'evil' } })]);
    expect([...flatten(r).keys()]).toEqual(['app_hits{name="evil"}']);
  });

  it('keys that sanitise to the same label name get _2, _3 in key order', () => {
    const r = toWriteRequests([datum({ dimensions: { 'function_name': 'b', 'Function Name': 'a' } })]);
    expect([...flatten(r).keys()]).toEqual(['app_hits{function_name="a",function_name_2="b"}']);
  });

  it('different keys naming the same label set are one series (never two identical series in a request)', () => {
    const r = toWriteRequests([
      datum({ dimensions: { FunctionName: 'f' }, timestamp: T }),
      datum({ dimensions: { function_name: 'f' }, timestamp: T + 1 }),
    ]);
    expect(Object.fromEntries(flatten(r))).toEqual({ 'app_hits{function_name="f"}': [[T, 1], [T + 1, 1]] });
  });

  it('a label set is reused for the next document only when its inputs are equal: the same dimensions (in any order), properties, source', () => {
    // Each datum has its own dimension object (as separate documents do): the translator compares contents.
    const r = toWriteRequests([
      datum({ dimensions: { 'a-b': 'x', a_b: 'y' }, value: 1 }),
      datum({ dimensions: { 'a-b': 'x', a_b: 'y' }, value: 2, timestamp: T + 1 }),
      // The same entries in the other order: the same labels (colliding names are numbered in sorted key
      // order), so the same series: merged, the last value wins.
      datum({ dimensions: { a_b: 'y', 'a-b': 'x' }, value: 3 }),
      datum({ dimensions: { 'a-b': 'x', a_b: 'z' }, value: 4 }),
      datum({ dimensions: { 'a-b': 'x' }, value: 5 }),
      datum({ dimensions: { 'a-b': 'x', a_b: 'y', c: 'w' }, value: 6 }),
    ]);
    expect(Object.fromEntries(flatten(r))).toEqual({
      'app_hits{a_b="x",a_b_2="y"}': [[T, 3], [T + 1, 2]],
      'app_hits{a_b="x",a_b_2="z"}': [[T, 4]],
      'app_hits{a_b="x"}': [[T, 5]],
      'app_hits{a_b="x",a_b_2="y",c="w"}': [[T, 6]],
    });
    expect(r.merged).toBe(1);
    const source = (d: MetricDatum, logGroup: string): MetricDatum => ({ ...d, source: { ...d.source, logGroup } });
    const withSource = toWriteRequests([
      source(datum({ dimensions: { S: 'a' }, value: 1 }), '/g/1'),
      source(datum({ dimensions: { S: 'a' }, value: 2 }), '/g/2'),
    ], { sourceLabels: ['log_group'] });
    expect([...flatten(withSource).keys()]).toEqual(['app_hits{log_group="/g/1",s="a"}', 'app_hits{log_group="/g/2",s="a"}']);
    const withProps = toWriteRequests([
      datum({ dimensions: { S: 'a' }, properties: { tier: 'gold' } }),
      datum({ dimensions: { S: 'a' }, properties: { tier: 'free' } }),
      datum({ dimensions: { S: 'a' }, properties: {} }),
    ], { propertyLabels: ['tier'] });
    expect([...flatten(withProps).keys()]).toEqual(['app_hits{s="a",tier="gold"}', 'app_hits{s="a",tier="free"}', 'app_hits{s="a"}']);
  });

  it('properties become labels only when allow-listed, and only scalar ones', () => {
    const props = { requestId: 'r-1', version: 3, cold: true, detail: { a: 1 }, Tier: 'gold' };
    expect([...flatten(toWriteRequests([datum({ properties: props })])).keys()]).toEqual(['app_hits{}']);
    const r = toWriteRequests([datum({ properties: props })], { propertyLabels: ['version', 'cold', 'detail', 'Tier', 'absent'] });
    expect([...flatten(r).keys()]).toEqual(['app_hits{cold="true",tier="gold",version="3"}']);
  });

  it('source labels are opt-in and win name collisions against dimensions', () => {
    const d = datum({ dimensions: { Region: 'x' } });
    expect([...flatten(toWriteRequests([d])).keys()]).toEqual(['app_hits{region="x"}']);
    const r = toWriteRequests([d], { sourceLabels: ['namespace', 'account', 'region', 'log_group', 'log_stream'] });
    expect([...flatten(r).keys()]).toEqual([
      'app_hits{account="111122223333",log_group="/aws/lambda/f",log_stream="2026/01/01/[$LATEST]abc",namespace="App",region="eu-west-1",region_2="x"}',
    ]);
  });

  it('per-set mode (default) keeps one series per dimension set; union mode one series with every dimension, once per document', () => {
    const all = { Service: 'api', Stage: 'prod' };
    const sets = [
      datum({ value: 5, dimensions: { Service: 'api' }, directiveDimensions: all }),
      datum({ value: 5, dimensions: all, directiveDimensions: all }),
      datum({ value: 5, dimensions: {}, directiveDimensions: all }),
    ];
    expect([...flatten(toWriteRequests(sets)).keys()].sort()).toEqual(['app_hits{service="api",stage="prod"}', 'app_hits{service="api"}', 'app_hits{}'].sort());
    const union = toWriteRequests(sets, { dimensionMode: 'union' });
    expect(Object.fromEntries(flatten(union))).toEqual({ 'app_hits{service="api",stage="prod"}': [[T, 5]] });
    expect(union.skipped).toEqual({ union_duplicate_set: 2 });
    expect(union.merged).toBe(0);
    // Another document (event) with the same series and timestamp is a real second observation: merged, not deduplicated.
    const twoDocs = toWriteRequests([...sets, datum({ value: 7, dimensions: all, eventId: 'e2' })], { dimensionMode: 'union', merge: 'sum' });
    expect(Object.fromEntries(flatten(twoDocs))).toEqual({ 'app_hits{service="api",stage="prod"}': [[T, 12]] });
  });

  it('statistic sets become _sum, _count, _min, _max in base units', () => {
    const r = toWriteRequests([datum({ name: 'Latency', unit: 'Milliseconds', value: { sum: 300, min: 50, max: 200, count: 3, values: [50, 200], counts: [2, 1] } })]);
    expect(Object.fromEntries(flatten(r))).toEqual({
      'app_latency_seconds_sum{}': [[T, 0.3]],
      'app_latency_seconds_count{}': [[T, 3]],
      'app_latency_seconds_min{}': [[T, 0.05]],
      'app_latency_seconds_max{}': [[T, 0.2]],
    });
  });
});

describe('toWriteRequests: ordering and the merge rule', () => {
  it('sorts samples of a series by time', () => {
    const r = toWriteRequests([datum({ value: 3, timestamp: T + 30 }), datum({ value: 1, timestamp: T + 10 }), datum({ value: 2, timestamp: T + 20 })]);
    expect(flatten(r).get('app_hits{}')).toEqual([[T + 10, 1], [T + 20, 2], [T + 30, 3]]);
  });

  it('auto: observations of one millisecond add up for unit Count, the last one wins otherwise', () => {
    const r = toWriteRequests([
      datum({ name: 'Errors', unit: 'Count', value: [1, 2] }),
      datum({ name: 'Errors', unit: 'Count', value: 4 }),
      datum({ name: 'Latency', unit: 'Milliseconds', value: [100, 300] }),
      datum({ name: 'Latency', unit: 'Milliseconds', value: 200 }),
      datum({ name: 'Latency', unit: 'Milliseconds', value: 900, timestamp: T - 5 }),
    ]);
    expect(Object.fromEntries(flatten(r))).toEqual({
      'app_errors{}': [[T, 7]],
      'app_latency_seconds{}': [[T - 5, 0.9], [T, 0.2]],
    });
    expect(r.merged).toBe(4);
    expect(r.samples).toBe(3);
  });

  it.each([
    ['last', 2],
    ['sum', 12],
    ['min', 1],
    ['max', 9],
    ['mean', 4],
  ] as const)('merge=%s', (merge, expected) => {
    const r = toWriteRequests([datum({ value: [1, 9] }), datum({ value: 2, timestamp: T })], { merge });
    expect(flatten(r).get('app_hits{}')).toEqual([[T, expected]]);
  });

  it('statistic sets of one millisecond merge exactly: sums and counts add, min/max keep the extremes', () => {
    const s = (sum: number, min: number, max: number, count: number): MetricValue => ({ sum, min, max, count });
    const r = toWriteRequests([datum({ value: s(10, 1, 6, 3) }), datum({ value: s(20, 0.5, 4, 5) })]);
    expect(Object.fromEntries(flatten(r))).toEqual({
      'app_hits_sum{}': [[T, 30]],
      'app_hits_count{}': [[T, 8]],
      'app_hits_min{}': [[T, 0.5]],
      'app_hits_max{}': [[T, 6]],
    });
  });
});

describe('toWriteRequests: splitting', () => {
  const many = (series: number, perSeries: number) => {
    const out: MetricDatum[] = [];
    for (let s = 0; s < series; s++) for (let i = 0; i < perSeries; i++) out.push(datum({ name: `M${s}`, value: i, timestamp: T + i, dimensions: { Host: `host-${s}`, Pad: 'x'.repeat(40) } }));
    return out;
  };

  it('respects the sample limit, keeps every sample, and marks split series as continuations', () => {
    const data = many(5, 7);
    const whole = flatten(toWriteRequests(data));
    const r = createTranslator({ maxSamplesPerRequest: 10 }).translate(data);
    expect(r.requests.map((x) => x.samples)).toEqual([10, 10, 10, 5]);
    expect(flatten(r)).toEqual(whole);
    // M1 starts in request 0 and continues in request 1, and so on.
    expect(r.requests.map((x) => x.continuesPrevious)).toEqual([false, true, true, true]);
    for (const req of r.requests) for (const s of req.request.timeseries) expect(s.samples.length).toBeGreaterThan(0);
  });

  it('respects the byte limit, and its size estimate is the exact encoded size', () => {
    const data = many(30, 20);
    const r = createTranslator({ maxRequestBytes: 4096 }).translate(data);
    expect(r.requests.length).toBeGreaterThan(3);
    for (const req of r.requests) {
      const size = encodeWriteRequestProto(req.request).length;
      expect(size).toBe(req.bytes);
      expect(size).toBeLessThanOrEqual(4096);
    }
    expect(flatten(r)).toEqual(flatten(toWriteRequests(data)));
  });

  it('does not split series that fit: a request boundary between series is not a continuation', () => {
    const r = createTranslator({ maxSamplesPerRequest: 7 }).translate(many(3, 7));
    expect(r.requests.map((x) => [x.samples, x.continuesPrevious])).toEqual([[7, false], [7, false], [7, false]]);
  });

  it('an empty batch yields no request', () => {
    expect(toWriteRequests([]).requests).toEqual([]);
  });
});

describe('toWriteRequests: label values', () => {
  it('a lone surrogate (from a JSON \\ud800 escape) becomes U+FFFD; valid pairs are kept', () => {
    const r = toWriteRequests([datum({ dimensions: { A: JSON.parse('"x\\ud800y"') as string, B: '😀' } })]);
    expect([...flatten(r).keys()]).toEqual(['app_hits{a="x\uFFFDy",b="😀"}']);
  });
});
