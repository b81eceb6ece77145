/**
 * Declared types in Prometheus cumulative mode (docs/prometheus.md#types): a metric the metrics scraper declares
 * takes that type whatever its unit, overrides still win, and a declared type is part of a family's identity.
 */
import { describe, expect, it } from 'vitest';
import type { DeclaredType } from '../../../shared/consumer/metricKind.ts';
import type { MetricDatum, MetricValue } from '../../../shared/consumer/types.ts';
import type { EmfUnit } from '../../../shared/emf/constants.ts';
import { loadPrometheusConfig, type TranslateOptions } from '../../../functions/consumers/prometheus/config.ts';
import { CumulativeState, type FlushPlan } from '../../../functions/consumers/prometheus/CumulativeState.ts';
import { newPending } from '../../../functions/consumers/prometheus/cumulativeSeries.ts';
import { createTranslator } from '../../../functions/consumers/prometheus/translate.ts';

const T0 = 1_800_000_000_000;
const LIMITS = { maxSamplesPerRequest: 2000, maxRequestBytes: 1_048_576 };

function datum(name: string, unit: EmfUnit, value: MetricValue, type?: DeclaredType, service = 'api'): MetricDatum {
  const dims = { Service: service };
  return {
    namespace: 'App', name, unit, storageResolution: 60, type, timestamp: T0, value, dimensions: dims, directiveDimensions: dims, properties: {},
    source: { account: '1', region: 'eu-west-1', logGroup: 'g', logStream: 's', eventId: 'e', origin: 'cloudwatch' },
  };
}

const options = (env: Record<string, string> = {}): TranslateOptions => loadPrometheusConfig({ PROM_RW_URL: 'http://127.0.0.1:1/api/v1/write', ...env }).translate;

/** Latest value of each series one accumulate-and-plan writes, by `name{labels}` (the writer label left out). */
function written(data: MetricDatum[], env: Record<string, string> = {}): { values: Record<string, number> } {
  const o = options(env);
  const state = new CumulativeState(createTranslator(o), { ...o.cumulative, writerId: 'w1', now: () => T0 + 10_000 });
  const pending = newPending();
  state.accumulate(pending, data);
  const plan: FlushPlan = state.plan(pending, LIMITS);
  const values: Record<string, number> = {};
  for (const r of plan.requests) {
    for (const t of r.request.timeseries) {
      const name = t.labels.find((l) => l.name === '__name__')!.value;
      const rest = t.labels.filter((l) => l.name !== '__name__' && l.name !== 'emf_fanout_writer').map((l) => `${l.name}="${l.value}"`).join(',');
      values[`${name}{${rest}}`] = t.samples.at(-1)!.value;
    }
  }
  return { values };
}

describe('declared types (cumulative mode)', () => {
  it('a Count declared gauge is a gauge (no _total), holding its last value', () => {
    const { values } = written([datum('ConcurrentExecutions', 'Count', 12, 'gauge'), datum('ConcurrentExecutions', 'Count', [9, 7], 'gauge')]);
    expect(values).toEqual({ 'app_concurrent_executions{service="api"}': 7 });
  });

  it('declared count is a counter of any unit; declared distribution is a histogram', () => {
    const { values } = written([datum('Busy', 'None', 3, 'count'), datum('Busy', 'None', 2, 'count'), datum('Size', 'Count', [1, 3], 'distribution')]);
    expect(values['app_busy_total{service="api"}']).toBe(5);
    expect(values['app_size_count{service="api"}']).toBe(2);
    expect(values['app_size_sum{service="api"}']).toBe(4);
    expect(values['app_size{service="api"}']).toBeUndefined();
  });

  it('PROM_RW_TYPE_OVERRIDES wins over the declared type', () => {
    const { values } = written([datum('ConcurrentExecutions', 'Count', 4, 'gauge')], { PROM_RW_TYPE_OVERRIDES: 'Concurrent*=counter' });
    expect(values).toEqual({ 'app_concurrent_executions_total{service="api"}': 4 });
  });

  it('one translator: the same name undeclared, then declared gauge, gets each its own family and type', () => {
    const t = createTranslator(options());
    const seen: [string | undefined, string][] = [];
    const data = [datum('ConcurrentExecutions', 'Count', 1), datum('ConcurrentExecutions', 'Count', 2, 'gauge'), datum('ConcurrentExecutions', 'Count', 3)];
    t.forEachLabelled(data, new Map(), {}, (d, f) => seen.push([d.type, f.type]));
    expect(seen).toEqual([[undefined, 'counter'], ['gauge', 'gauge'], [undefined, 'counter']]);
    // Written: a counter for one label set, a gauge for the other.
    const { values } = written([datum('ConcurrentExecutions', 'Count', 5, undefined, 'a'), datum('ConcurrentExecutions', 'Count', 6, 'gauge', 'b')]);
    expect(values).toEqual({ 'app_concurrent_executions_total{service="a"}': 5, 'app_concurrent_executions{service="b"}': 6 });
  });
});
