/**
 * What the Etsy StatsD daemon must hold after fixture EMF documents went through the StatsD
 * consumer in the plain `statsd` style, computed from the documents and the documented rules
 * (functions/consumers/statsd: `mapping.ts` type table, `sanitise.ts` naming), not from the
 * serialiser: name `Namespace.Metric` with characters outside [A-Za-z0-9_.] as `_` (and `m_`
 * before a leading non-letter), dimensions folded in as `.key.value` sorted by key, each part
 * with characters outside [A-Za-z0-9_-] as `_`; unit Count → counter (the sum), time units →
 * timer in milliseconds (each value), anything else → gauge; `STATSD_TYPE_OVERRIDES` as given.
 */
import { expect } from 'vitest';
import type { FixtureLine } from '../../fixtures/types.ts';
import type { StatsdAggregates } from '../../helpers/statsdDaemon.ts';
import { fixtureMetrics } from './fixtureExpect.ts';

export interface StatsdExpectation {
  counters: Map<string, number>;
  timers: Map<string, number[]>;
  /** Gauges keep the last value; every value a gauge may end with. */
  gauges: Map<string, Set<number>>;
  /** Keys of statistic-set values (their encoding is not modelled here: presence only). */
  present: Set<string>;
}

const TO_MS: Record<string, number> = { Seconds: 1000, Milliseconds: 1, Microseconds: 0.001 };
const name = (s: string) => {
  const n = s.replace(/[^A-Za-z0-9_.]/g, '_');
  return /^[A-Za-z]/.test(n) ? n : `m_${n}`;
};
const segment = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');


/** `overrides`: metric name → type, as `STATSD_TYPE_OVERRIDES=Name=counter` sets it. */
export function expectStatsd(lines: readonly FixtureLine[], overrides: Readonly<Record<string, 'counter' | 'gauge'>> = {}): StatsdExpectation {
  const out: StatsdExpectation = { counters: new Map(), timers: new Map(), gauges: new Map(), present: new Set() };
  for (const { doc, namespace, set, metric: m } of fixtureMetrics(lines)) {
    const tags = set.map((k) => [segment(k), segment(doc[k] as string)] as const).sort(([a], [b]) => (a < b ? -1 : 1));
    const key = name(`${namespace}.${m.Name}`) + tags.map(([k, v]) => `.${k}.${v}`).join('');
    const unit = m.Unit ?? 'None';
    const raw = doc[m.Name];
    out.present.add(key);
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) continue;
    const values = Array.isArray(raw) ? (raw as number[]) : [raw as number];
    const type = overrides[m.Name] ?? (unit === 'Count' ? 'counter' : unit in TO_MS ? 'timer' : 'gauge');
    const factor = TO_MS[unit] ?? 1;
    if (type === 'counter') out.counters.set(key, (out.counters.get(key) ?? 0) + values.reduce((a, b) => a + b * factor, 0));
    else if (type === 'timer') out.timers.set(key, [...(out.timers.get(key) ?? []), ...values.map((v) => v * factor)]);
    else out.gauges.set(key, new Set([...(out.gauges.get(key) ?? []), ...values.map((v) => v * factor)]));
  }
  return out;
}

/** Every key of the daemon's aggregates. */
export function statsdKeys(got: StatsdAggregates): Set<string> {
  return new Set([...Object.keys(got.counters), ...Object.keys(got.timers), ...Object.keys(got.gauges)]);
}

/** Asserts that the daemon's aggregates hold `want`: every key, each counter's sum, each timer's values, a possible last gauge value. */
export function expectStatsdHolds(want: StatsdExpectation, got: StatsdAggregates): void {
  const keys = statsdKeys(got);
  expect([...want.present].filter((k) => !keys.has(k))).toEqual([]);
  for (const [k, v] of want.counters) expect(got.counters[k], k).toBeCloseTo(v, 9);
  for (const [k, v] of want.timers) expect([...(got.timers[k] ?? [])].sort((a, b) => a - b), k).toEqual([...v].sort((a, b) => a - b));
  for (const [k, v] of want.gauges) expect(v.has(got.gauges[k]!), `${k}=${got.gauges[k]} ∈ ${[...v]}`).toBe(true);
}
