/**
 * Declared types in Datadog payloads (docs/datadog.md#counts-and-gauges-dd_modeseries): a metric the metrics scraper declares gauge is a
 * gauge series in both modes, count and distribution take the mode's count and time types, overrides still win,
 * and the translator's per-metric cache follows the declared type.
 */
import { describe, expect, it } from 'vitest';
import { loadDatadogConfig } from '../../../functions/consumers/datadog/config.ts';
import { DatadogTranslator, type TranslateResult } from '../../../functions/consumers/datadog/translate.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';
import { datum } from '../statsd/helpers.ts';

const T = 1_763_900_000_500;
const WINDOW = { oldest: T - 3_600_000, newest: T + 600_000 };

function translate(data: readonly MetricDatum[], env: Record<string, string> = {}): TranslateResult {
  return new DatadogTranslator(loadDatadogConfig({ DD_API_KEY_REF: 'ssm:/dd/key', ...env }).translate, 'w1').translate(data, WINDOW);
}

/** `[metric, type]` of each distribution series and each series change, in that order. */
function typesOf(r: TranslateResult): [string, string][] {
  const distributions = r.distributions.flatMap((q) => (JSON.parse(q.body) as { series: { metric: string; type: string }[] }).series.map((s): [string, string] => [s.metric, s.type]));
  const changes = r.changes.map((c): [string, string] => [(JSON.parse(`${c.head}"points":[]}`) as { metric: string }).metric, c.type]);
  return [...distributions, ...changes];
}

describe.each([['distributions'], ['series']])('declared types, DD_MODE=%s', (mode) => {
  const env = { DD_MODE: mode };

  it('a Count declared gauge is a gauge series holding its last value, tagged with the writer', () => {
    const r = translate([datum({ name: 'ConcurrentExecutions', unit: 'Count', type: 'gauge', value: [12, 9] })], env);
    expect(r.distributions).toEqual([]);
    expect(r.changes.map((c) => [c.type, c.value])).toEqual([['gauge', 9]]);
    expect(r.changes[0]!.head).toContain('"metric":"N.ConcurrentExecutions","type":3,"tags":["d:x","emf_fanout_writer:w1"]');
  });

  it('declared count and distribution take the mode\'s Count and time-unit types', () => {
    const r = translate([datum({ name: 'Errors', unit: 'None', type: 'count', value: 2 }), datum({ name: 'Size', unit: 'Count', type: 'distribution', value: 3 })], env);
    expect(typesOf(r)).toEqual(mode === 'series' ? [['N.Errors', 'count'], ['N.Size', 'gauge']] : [['N.Errors', 'distribution'], ['N.Size', 'distribution']]);
  });

  it('DD_TYPE_OVERRIDES wins over the declared type', () => {
    const r = translate([datum({ name: 'ConcurrentExecutions', unit: 'Count', type: 'gauge', value: 4 })], { ...env, DD_TYPE_OVERRIDES: 'Concurrent*=count' });
    expect(typesOf(r)).toEqual([['N.ConcurrentExecutions', 'count']]);
  });

  it('one translator: the same metric undeclared, declared gauge, then undeclared again gets each its own type', () => {
    const undeclared = mode === 'series' ? 'count' : 'distribution';
    const r = translate([datum({ unit: 'Count', value: 1 }), datum({ unit: 'Count', type: 'gauge', value: 2 }), datum({ unit: 'Count', value: 3, dimensions: { D: 'y' } })], env);
    const types = typesOf(r).map(([, t]) => t).sort();
    expect(types).toEqual([undeclared, undeclared, 'gauge'].sort());
    const gauge = r.changes.find((c) => c.type === 'gauge')!;
    expect(gauge.value).toBe(2);
    expect(gauge.head).toContain('"type":3,');
  });
});
