/**
 * The cumulative state (functions/consumers/prometheus/CumulativeState.ts) with a fake clock: types and
 * names, how each value shape feeds each type, timestamps and the 0 sample, heartbeats, idle expiry,
 * the series cap, the floor, rejected writes. The real-Prometheus proofs are in
 * test/integration/prometheus/cumulative.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { MetricDatum, MetricValue } from '../../../shared/consumer/types.ts';
import type { EmfUnit } from '../../../shared/emf/constants.ts';
import { DEFAULT_TRANSLATE_OPTIONS, loadPrometheusConfig, type TranslateOptions } from '../../../functions/consumers/prometheus/config.ts';
import { CumulativeState, type FlushPlan, type RequestOutcome } from '../../../functions/consumers/prometheus/CumulativeState.ts';
import { newPending, type Pending } from '../../../functions/consumers/prometheus/cumulativeSeries.ts';
import { createTranslator } from '../../../functions/consumers/prometheus/translate.ts';

const T0 = 1_800_000_000_000;
const LIMITS = { maxSamplesPerRequest: 2000, maxRequestBytes: 1_048_576 };

function datum(name: string, unit: EmfUnit, value: MetricValue, opts: { ts?: number; dims?: Record<string, string>; eventId?: string } = {}): MetricDatum {
  const dims = opts.dims ?? { Service: 'api' };
  return {
    namespace: 'App', name, unit, storageResolution: 60, timestamp: opts.ts ?? T0, value, dimensions: dims, directiveDimensions: dims, properties: {},
    source: { account: '1', region: 'eu-west-1', logGroup: 'g', logStream: 's', eventId: opts.eventId ?? 'e', origin: 'emf' },
  };
}

/** A state with a clock the test moves, from PROM_RW_* settings. */
function setup(env: Record<string, string> = {}) {
  const clock = { now: T0 + 10_000 };
  const options: TranslateOptions = loadPrometheusConfig({ PROM_RW_URL: 'http://127.0.0.1:1/api/v1/write', ...env }).translate;
  const state = new CumulativeState(createTranslator(options), { ...options.cumulative, writerId: 'w1', now: () => clock.now });
  return { state, clock };
}

/** `name{labels}` (writer label left out) → samples [ts, value] of one plan. */
function written(plan: FlushPlan): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const r of plan.requests) {
    for (const t of r.request.timeseries) {
      expect(t.labels.find((l) => l.name === 'emf_fanout_writer')?.value).toBe('w1');
      const name = t.labels.find((l) => l.name === '__name__')!.value;
      const rest = t.labels.filter((l) => l.name !== '__name__' && l.name !== 'emf_fanout_writer').map((l) => `${l.name}="${l.value}"`).join(',');
      out.set(`${name}{${rest}}`, [...(out.get(`${name}{${rest}}`) ?? []), ...t.samples.map((s): [number, number] => [s.timestamp, s.value])]);
    }
  }
  return out;
}

/** Latest value of each written series. */
const latest = (plan: FlushPlan) => Object.fromEntries([...written(plan)].map(([k, s]) => [k, s.at(-1)![1]]));

/** One invocation: accumulate, plan, settle every request as `outcome`, commit. */
function cycle(state: CumulativeState, data: MetricDatum[], outcome: (i: number) => RequestOutcome = () => 'accepted', pending: Pending = newPending()) {
  state.accumulate(pending, data);
  const plan = state.plan(pending, LIMITS);
  const { unsettled } = state.settle(pending, plan, plan.requests.map((_, i) => outcome(i)));
  const dropped = unsettled === 0 ? state.commit(pending) : undefined;
  return { plan, dropped, unsettled, pending };
}

describe('cumulative state: types, names and values', () => {
  it('Count → counter _total (sum of values), time units → histogram in seconds, other units → gauge', () => {
    const { state } = setup();
    const { plan } = cycle(state, [
      datum('Orders', 'Count', 2),
      datum('Orders', 'Count', [1, 3]),
      datum('Orders', 'Count', { sum: 5, min: 1, max: 4, count: 2 }),
      datum('Latency', 'Milliseconds', [20, 700]),
      datum('Memory', 'Megabytes', 128),
    ]);
    const v = latest(plan);
    expect(v['app_orders_total{service="api"}']).toBe(11);
    expect(v['app_latency_seconds_count{service="api"}']).toBe(2);
    expect(v['app_latency_seconds_sum{service="api"}']).toBeCloseTo(0.72, 12);
    expect(v['app_latency_seconds_bucket{le="0.025",service="api"}']).toBe(1);
    expect(v['app_latency_seconds_bucket{le="0.5",service="api"}']).toBe(1);
    expect(v['app_latency_seconds_bucket{le="1",service="api"}']).toBe(2);
    expect(v['app_latency_seconds_bucket{le="+Inf",service="api"}']).toBe(2);
    expect(v['app_memory_bytes{service="api"}']).toBe(128 * 1024 * 1024);
    expect(Object.keys(v).filter((k) => k.startsWith('app_latency_seconds_bucket'))).toHaveLength(DEFAULT_TRANSLATE_OPTIONS.cumulative.buckets.length + 1);
  });

  it('PROM_RW_TYPE_OVERRIDES: summary, a counter of a time unit (in seconds), a gauge of a Count; a name already ending in _total keeps one', () => {
    const { state } = setup({ PROM_RW_TYPE_OVERRIDES: 'Payload*=summary,Busy=counter,Queue=gauge' });
    const v = latest(cycle(state, [
      datum('PayloadSize', 'Bytes', [10, 30]),
      datum('Busy', 'Milliseconds', 1500),
      datum('Queue', 'Count', 7),
      datum('Queue', 'Count', 4, { ts: T0 - 1 }),
      datum('RequestsTotal', 'Count', 3),
    ]).plan);
    expect(v).toEqual({
      'app_payload_size_bytes_sum{service="api"}': 40,
      'app_payload_size_bytes_count{service="api"}': 2,
      'app_busy_seconds_total{service="api"}': 1.5,
      'app_queue{service="api"}': 7,
      'app_requests_total{service="api"}': 3,
    });
  });

  it('statistic sets: Values/Counts weighted into buckets; without them Min, Max and the rest at the mean; Sum and Count as they are', () => {
    const { state } = setup({ PROM_RW_HISTOGRAM_BUCKETS: '0.01,0.1,1' });
    const v = latest(cycle(state, [
      datum('A', 'Seconds', { sum: 1.25, min: 0.05, max: 0.5, count: 7, values: [0.05, 0.5], counts: [5, 2] }), // count: sum(Counts), as toMetricValue makes it
      datum('B', 'Seconds', { sum: 2.4, min: 0.005, max: 2, count: 4 }),
      datum('C', 'Seconds', { sum: 0.3, min: 0.3, max: 0.3, count: 1 }),
    ]).plan);
    const b = (n: string, le: string) => v[`app_${n}_seconds_bucket{le="${le}",service="api"}`];
    // A: 5 × 0.05 and 2 × 0.5.
    expect([b('a', '0.01'), b('a', '0.1'), b('a', '1'), b('a', '+Inf')]).toEqual([0, 5, 7, 7]);
    expect([v['app_a_seconds_sum{service="api"}'], v['app_a_seconds_count{service="api"}']]).toEqual([1.25, 7]);
    // B: Min 0.005, Max 2, and 2 more at (2.4 − 0.005 − 2) / 2 = 0.1975.
    expect([b('b', '0.01'), b('b', '0.1'), b('b', '1'), b('b', '+Inf')]).toEqual([1, 1, 3, 4]);
    expect([v['app_b_seconds_sum{service="api"}'], v['app_b_seconds_count{service="api"}']]).toEqual([2.4, 4]);
    expect([b('c', '0.1'), b('c', '1')]).toEqual([0, 1]);
  });

  it('a gauge keeps the observation with the latest EMF timestamp, not the last to arrive; an array its last member, a set its Max', () => {
    const { state } = setup();
    const v = latest(cycle(state, [
      datum('Depth', 'None', 5, { ts: T0 + 2 }),
      datum('Depth', 'None', 9, { ts: T0 + 1 }),
      datum('Arr', 'None', [1, 8, 3]),
      datum('Set', 'None', { sum: 6, min: 1, max: 4, count: 3 }),
    ]).plan);
    expect(v).toMatchObject({ 'app_depth{service="api"}': 5, 'app_arr{service="api"}': 3, 'app_set{service="api"}': 4 });
  });

  it('a dimension named like the writer label or `le` is renamed, never overwriting them', () => {
    const { state } = setup();
    const { plan } = cycle(state, [datum('Latency', 'Seconds', 0.2, { dims: { emf_fanout_writer: 'spoof', le: 'x' } })]);
    const t = plan.requests[0]!.request.timeseries.find((s) => s.labels.some((l) => l.name === 'le' && l.value === '+Inf'))!;
    expect(t.labels.map((l) => `${l.name}=${l.value}`)).toEqual(['__name__=app_latency_seconds_bucket', 'emf_fanout_writer=w1', 'emf_fanout_writer_2=spoof', 'le=+Inf', 'le_2=x']);
  });

  it('two EMF metrics that map to one name with different types: the second is dropped and counted', () => {
    const { state } = setup();
    const { plan, dropped } = cycle(state, [datum('Hits', 'Count', 1), datum('Hits', 'None', 5)]);
    expect(latest(plan)).toEqual({ 'app_hits_total{service="api"}': 1 });
    expect(dropped).toEqual({ prometheus_type_conflict: 1 });
  });

  it('a negative counter increment is dropped and counted (a counter never goes down)', () => {
    const { state } = setup();
    const { plan, dropped } = cycle(state, [datum('Delta', 'Count', 3), datum('Delta', 'Count', -1)]);
    expect(latest(plan)).toEqual({ 'app_delta_total{service="api"}': 3 });
    expect(dropped).toEqual({ prometheus_counter_negative: 1 });
  });

  it('union mode: the copies of a datum that other dimension sets of its directive make count once', () => {
    const { state } = setup({ PROM_RW_DIMENSION_MODE: 'union' });
    const all = { Service: 'api', Route: '/x' };
    const a = { ...datum('Orders', 'Count', 1), dimensions: { Service: 'api' }, directiveDimensions: all };
    const b = { ...datum('Orders', 'Count', 1), dimensions: all, directiveDimensions: all };
    const { plan, pending } = cycle(state, [a, b]);
    expect(latest(plan)).toEqual({ 'app_orders_total{route="/x",service="api"}': 1 });
    expect(pending.skipped).toEqual({ union_duplicate_set: 1 });
  });
});

describe('cumulative state: time, heartbeats, expiry, limits', () => {
  it('a new series starts with a 0 sample 1 ms before its first value; later writes carry the total; timestamps strictly increase', () => {
    const { state, clock } = setup();
    const first = written(cycle(state, [datum('Orders', 'Count', 2)]).plan);
    expect(first.get('app_orders_total{service="api"}')).toEqual([[clock.now - 1, 0], [clock.now, 2]]);
    // The clock has not moved: the next sample is still later than the last one.
    const second = written(cycle(state, [datum('Orders', 'Count', 3)]).plan);
    expect(second.get('app_orders_total{service="api"}')).toEqual([[clock.now + 1, 5]]);
  });

  it('heartbeat: a series not updated is written again (same value) once PROM_RW_HEARTBEAT_SECONDS have passed, not before', () => {
    const { state, clock } = setup({ PROM_RW_HEARTBEAT_SECONDS: '60' });
    cycle(state, [datum('Orders', 'Count', 2)]);
    clock.now += 59_000;
    expect(written(cycle(state, [datum('Other', 'Count', 1)]).plan).has('app_orders_total{service="api"}')).toBe(false);
    clock.now += 1_000;
    expect(written(cycle(state, []).plan).get('app_orders_total{service="api"}')).toEqual([[clock.now, 2]]);
  });

  it('idle expiry: a series without observations for PROM_RW_IDLE_EXPIRY_SECONDS is forgotten, and starts again from 0 if it comes back', () => {
    const { state, clock } = setup({ PROM_RW_IDLE_EXPIRY_SECONDS: '900' });
    cycle(state, [datum('Orders', 'Count', 2)]);
    clock.now += 899_000;
    expect(written(cycle(state, []).plan).get('app_orders_total{service="api"}')).toEqual([[clock.now, 2]]);
    clock.now += 1_000;
    expect(cycle(state, []).plan.requests).toEqual([]);
    expect(state.seriesCount).toBe(0);
    clock.now += 1_000;
    expect(written(cycle(state, [datum('Orders', 'Count', 4)]).plan).get('app_orders_total{service="api"}')).toEqual([[clock.now - 1, 0], [clock.now, 4]]);
  });

  it('PROM_RW_MAX_SERIES: data of further series are dropped and counted; room comes back as series expire', () => {
    const { state, clock } = setup({ PROM_RW_MAX_SERIES: '2' });
    const { plan, dropped } = cycle(state, [datum('A', 'Count', 1), datum('B', 'Count', 1), datum('C', 'Count', 1), datum('C', 'Count', 1), datum('A', 'Count', 1)]);
    expect(latest(plan)).toEqual({ 'app_a_total{service="api"}': 2, 'app_b_total{service="api"}': 1 });
    expect(dropped).toEqual({ prometheus_series_limit: 2 });
    expect(state.seriesCount).toBe(2);
    clock.now += 900_000;
    expect(cycle(state, [datum('C', 'Count', 1)]).dropped).toEqual({});
  });

  it('PROM_RW_MAX_SERIES counts Prometheus series: a histogram takes its buckets, +Inf, _sum and _count', () => {
    const { state } = setup({ PROM_RW_MAX_SERIES: '6', PROM_RW_HISTOGRAM_BUCKETS: '0.1,1' });
    const { plan, dropped } = cycle(state, [datum('Lat', 'Seconds', 0.5), datum('Other', 'Seconds', 0.5), datum('Orders', 'Count', 1)]);
    expect(state.seriesCount).toBe(6);
    expect(dropped).toEqual({ prometheus_series_limit: 1 });
    expect(Object.keys(latest(plan))).toHaveLength(6);
  });
});

describe('cumulative state: applied only when written', () => {
  it('a rejected request drops its series\' data (counted by data) and leaves them out of the state; the accepted ones are committed', () => {
    const { state } = setup();
    // One series per request.
    const pending = newPending();
    state.accumulate(pending, [datum('A', 'Count', 1), datum('A', 'Count', 1), datum('B', 'Count', 5)]);
    const plan = state.plan(pending, { maxSamplesPerRequest: 2, maxRequestBytes: 1_048_576 });
    expect(plan.requests).toHaveLength(2);
    const a = plan.owners.findIndex((o) => o[0]!.base === 'app_a');
    state.settle(pending, plan, plan.requests.map((_, i) => (i === a ? { rejected: 'prometheus_http_400' } : 'accepted')));
    expect(state.commit(pending)).toEqual({ prometheus_http_400: 2 });
    // The next flush writes B's total and A from zero: A's rejected observations were never counted.
    const next = latest(cycle(state, [datum('A', 'Count', 1), datum('B', 'Count', 1)]).plan);
    expect(next).toEqual({ 'app_a_total{service="api"}': 1, 'app_b_total{service="api"}': 6 });
  });

  it('no definite answer: nothing is committed, the invocation stays unsettled, and a later total below what may be stored is held back', () => {
    const { state } = setup();
    cycle(state, [datum('Orders', 'Count', 10)]);
    // An invocation of 5 more whose write got no answer (then given up: its pending is dropped, its records redelivered elsewhere or later).
    const lost = cycle(state, [datum('Orders', 'Count', 5)], () => 'unknown');
    expect(lost.unsettled).toBe(1);
    expect(lost.dropped).toBeUndefined();
    // A smaller batch comes first: 10 + 2 < 15, which the receiver may hold; writing it would read as a reset.
    const held = cycle(state, [datum('Orders', 'Count', 2)]);
    expect(held.plan.requests).toEqual([]);
    expect(held.plan.held).toHaveLength(1);
    expect(held.dropped).toEqual({});
    // The redelivered 5 take the total past the floor: 17 is written.
    const again = cycle(state, [datum('Orders', 'Count', 5)]);
    expect(latest(again.plan)).toEqual({ 'app_orders_total{service="api"}': 17 });
  });

  it('a retried flush of the same invocation writes the same totals again, later, and commits once', () => {
    const { state, clock } = setup();
    const pending = newPending();
    state.accumulate(pending, [datum('Orders', 'Count', 4)]);
    const first = state.plan(pending, LIMITS);
    expect(state.settle(pending, first, ['unknown']).unsettled).toBe(1);
    clock.now += 50;
    const second = state.plan(pending, LIMITS);
    expect(written(second).get('app_orders_total{service="api"}')).toEqual([[clock.now, 4]]);
    expect(state.settle(pending, second, ['accepted']).unsettled).toBe(0);
    expect(state.commit(pending)).toEqual({});
    expect(latest(cycle(state, [datum('Orders', 'Count', 1)]).plan)).toEqual({ 'app_orders_total{service="api"}': 5 });
  });
});
