/**
 * The series mode's memory: every write carries an interval's whole value for this writer; changes count
 * once they are delivered, never twice; what Datadog does not hold is written again.
 */
import { describe, expect, it } from 'vitest';
import { SeriesState } from '../../../functions/consumers/datadog/series.ts';
import type { Loss, SeriesChange } from '../../../functions/consumers/datadog/translate.ts';
import { Tally } from '../../../shared/tally.ts';

const HEAD = '{"metric":"N.orders","type":1,"interval":10,"tags":["emf_fanout_writer:w"],';
const GAUGE = '{"metric":"N.size","type":3,"tags":["emf_fanout_writer:w"],';
const count = (value: number, position: number, timestamp = 100): SeriesChange => ({ key: `${HEAD}${timestamp}`, type: 'count', head: HEAD, timestamp, value, observedAt: timestamp * 1000, position });
const gauge = (value: number, position: number, observedAt: number): SeriesChange => ({ key: `${GAUGE}100`, type: 'gauge', head: GAUGE, timestamp: 100, value, observedAt, position });
const points = (state: SeriesState, changes: SeriesChange[], skip: string[] = []) =>
  state.plan(changes, new Set(skip), 500_000).requests.flatMap((r) => (JSON.parse(r.body) as { series: { metric: string; points: { timestamp: number; value: number }[] }[] }).series.flatMap((s) => s.points.map((p) => [s.metric, p.timestamp, p.value])));

describe('SeriesState', () => {
  it('writes the committed total plus every change of the chunk; a commit of a prefix adds only that prefix', () => {
    const s = new SeriesState(100);
    const chunk = [count(1, 0), count(2, 1), count(4, 2)];
    expect(points(s, chunk)).toEqual([['N.orders', 100, 7]]);
    s.commit(chunk, 0, 2, new Set());
    // The rest of the chunk comes again (redelivered): 3 + 4.
    expect(points(s, [count(4, 0)])).toEqual([['N.orders', 100, 7]]);
    s.commit([count(4, 0)], 0, 1, new Set());
    expect(points(s, [count(1, 0)])).toEqual([['N.orders', 100, 8]]);
  });

  it('a gauge holds the latest observation; rejected keys and skipped keys are left out', () => {
    const s = new SeriesState(100);
    const chunk = [gauge(5, 0, 2000), gauge(3, 1, 1000), count(1, 2)];
    expect(points(s, chunk).sort()).toEqual([['N.orders', 100, 1], ['N.size', 100, 5]]);
    s.commit(chunk, 0, 3, new Set([`${HEAD}100`]));
    expect(points(s, [], [])).toEqual([['N.size', 100, 5]]);
    expect(points(s, [count(2, 0)], [`${HEAD}100`])).toEqual([['N.size', 100, 5]]);
  });

  it('a point whose committed value Datadog does not hold is dirty until a write of it is accepted', () => {
    const s = new SeriesState(100);
    const chunk = [count(1, 0), count(1, 1)];
    const [r] = s.plan(chunk, new Set(), 500_000).requests;
    s.accepted(r!); // Datadog holds 2
    s.commit(chunk, 0, 1, new Set()); // only 1 delivered
    expect(s.dirtyCount).toBe(1);
    const [again] = s.plan([], new Set(), 500_000).requests;
    expect(JSON.parse(again!.body).series[0].points).toEqual([{ timestamp: 100, value: 1 }]);
    s.accepted(again!);
    expect(s.dirtyCount).toBe(0);
  });

  it('a count written ahead of data that were then not delivered is written again with what was delivered', () => {
    const s = new SeriesState(100);
    const chunk = [count(1, 0, 100), count(1, 1, 110), count(1, 2, 110)];
    for (const r of s.plan(chunk, new Set(), 500_000).requests) s.accepted(r); // Datadog holds 1 at 100 and 2 at 110
    // The chunk gives up after its first datum: only the point at 100 is delivered.
    s.commit(chunk, 0, 1, new Set());
    s.wroteAhead(chunk.filter((c) => c.position >= 1), new Set(chunk.map((c) => c.key)));
    expect(s.dirtyCount).toBe(1);
    expect(points(s, [])).toEqual([['N.orders', 110, 0]]);
    // The redelivery, here or in another container, then adds its 2 exactly once.
  });

  it('a total that overflows is left out of the requests and named, the other points written', () => {
    const s = new SeriesState(100);
    const plan = s.plan([count(1.7e308, 0, 100), count(1.7e308, 1, 100), count(1, 2, 110)], new Set(), 500_000);
    expect(plan.overflowed).toEqual([`${HEAD}100`]);
    expect(plan.requests.map((r) => JSON.parse(r.body) as unknown)).toEqual([{ series: [JSON.parse(`${HEAD}"points":[{"timestamp":110,"value":1}]}`)] }]);
  });

  it('admits at most maxSeries points; expire forgets old intervals', () => {
    const s = new SeriesState(2);
    const dropped = new Tally();
    const lost: Loss[] = [];
    const admitted = s.admit([count(1, 0, 100), count(1, 1, 110), count(1, 2, 100), count(1, 3, 120)], dropped, lost);
    expect(admitted.map((c) => c.position)).toEqual([0, 1, 2]);
    expect(lost).toEqual([{ at: 3, reason: 'datadog_series_limit' }]);
    expect(dropped.counts).toEqual({ datadog_series_limit: 1 });
    s.commit(admitted, 0, 3, new Set());
    expect(s.size).toBe(2);
    s.expire(105);
    expect(s.size).toBe(1);
  });

  it('splits points over requests within the byte limit', () => {
    const s = new SeriesState(10_000);
    const chunk = Array.from({ length: 400 }, (_, i) => count(i, i, 100 + i * 10));
    const { requests } = s.plan(chunk, new Set(), 4096);
    expect(requests.length).toBeGreaterThan(3);
    for (const r of requests) expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(4096);
    expect(requests.reduce((n, r) => n + r.keys.length, 0)).toBe(400);
    expect(requests.reduce((n, r) => n + r.data, 0)).toBe(400);
  });
});
