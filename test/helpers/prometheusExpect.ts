/**
 * The test oracle for the Prometheus provider: what Prometheus must hold after EMF documents went
 * through the consumer, computed straight from the documents and the README's naming table
 * ("Prometheus naming"), independently of the provider's code. Supports the default options plus
 * a prefix; it throws on inputs whose outcome it does not model (label-name collisions), so a
 * test never silently expects the wrong thing.
 */
import { isStatisticSet, type MetricDatum } from '../../shared/consumer/types.ts';
import type { RawSeries } from './prometheus.ts';

/** `name{a="x",b="y"}` (labels sorted, `__name__` outside) → timestamp ms → value. */
export type ExpectedSeries = Map<string, Map<number, number>>;

const SUFFIX_AND_FACTOR: Record<string, [string, (v: number) => number]> = {
  Seconds: ['seconds', (v) => v],
  Milliseconds: ['seconds', (v) => v / 1000],
  Microseconds: ['seconds', (v) => v / 1_000_000],
  Bytes: ['bytes', (v) => v],
  Kilobytes: ['bytes', (v) => v * 1024],
  Megabytes: ['bytes', (v) => v * 1024 ** 2],
  Gigabytes: ['bytes', (v) => v * 1024 ** 3],
  Terabytes: ['bytes', (v) => v * 1024 ** 4],
  Bits: ['bytes', (v) => v / 8],
  Kilobits: ['bytes', (v) => (v * 1024) / 8],
  Megabits: ['bytes', (v) => (v * 1024 ** 2) / 8],
  Gigabits: ['bytes', (v) => (v * 1024 ** 3) / 8],
  Terabits: ['bytes', (v) => (v * 1024 ** 4) / 8],
  Percent: ['percent', (v) => v],
  Count: ['', (v) => v],
  'Bytes/Second': ['bytes_per_second', (v) => v],
  'Kilobytes/Second': ['bytes_per_second', (v) => v * 1024],
  'Megabytes/Second': ['bytes_per_second', (v) => v * 1024 ** 2],
  'Gigabytes/Second': ['bytes_per_second', (v) => v * 1024 ** 3],
  'Terabytes/Second': ['bytes_per_second', (v) => v * 1024 ** 4],
  'Bits/Second': ['bytes_per_second', (v) => v / 8],
  'Kilobits/Second': ['bytes_per_second', (v) => (v * 1024) / 8],
  'Megabits/Second': ['bytes_per_second', (v) => (v * 1024 ** 2) / 8],
  'Gigabits/Second': ['bytes_per_second', (v) => (v * 1024 ** 3) / 8],
  'Terabits/Second': ['bytes_per_second', (v) => (v * 1024 ** 4) / 8],
  'Count/Second': ['per_second', (v) => v],
  None: ['', (v) => v],
};

const isUpper = (c: string | undefined) => c !== undefined && c >= 'A' && c <= 'Z';
const isLowerOrDigit = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));

/** snake_case by walking the characters: `_` before an upper-case letter that follows a lower-case letter or digit, or that starts a word after an acronym. */
export function snake(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (isUpper(c) && (isLowerOrDigit(s[i - 1]) || (isUpper(s[i - 1]) && s[i + 1] !== undefined && s[i + 1]! >= 'a' && s[i + 1]! <= 'z'))) out += '_';
    out += c;
  }
  let clean = '';
  for (const ch of out.toLowerCase()) clean += /[a-z0-9]/.test(ch) ? ch : '_';
  return clean.split('_').filter((p) => p !== '').join('_');
}

export function expectedMetricName(namespace: string, name: string, unit: string, prefix = ''): string {
  const [suffix] = SUFFIX_AND_FACTOR[unit] ?? ['', (v: number) => v];
  let n = [prefix, snake(namespace), snake(name)].filter((p) => p !== '').join('_');
  if (suffix !== '' && !n.endsWith(`_${suffix}`)) n += `_${suffix}`;
  return /^[0-9]/.test(n) ? `_${n}` : n;
}

function labelsText(dimensions: Record<string, string>): string {
  const pairs = new Map<string, string>();
  for (const [k, v] of Object.entries(dimensions)) {
    if (v === '') continue;
    let n = snake(k);
    if (n === '') n = 'label';
    if (/^[0-9]/.test(n)) n = `_${n}`;
    if (pairs.has(n)) throw new Error(`oracle: dimension keys collide on label "${n}"; not modelled`);
    pairs.set(n, v);
  }
  return [...pairs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, v]) => `${n}="${v}"`).join(',');
}

type Obs = { kind: 'value' | 'sum' | 'count' | 'min' | 'max'; value: number; additive: boolean };

/** Accumulates observations in delivery order and applies the merge rule (auto). */
export class Oracle {
  readonly series: ExpectedSeries = new Map();
  constructor(private readonly prefix = '') {}

  /** One metric of one dimension set at one timestamp, in delivery order. */
  add(namespace: string, name: string, unit: string, dimensions: Record<string, string>, timestamp: number, raw: unknown): void {
    const [, factor] = SUFFIX_AND_FACTOR[unit] ?? ['', (v: number) => v];
    const base = expectedMetricName(namespace, name, unit, this.prefix);
    const labels = labelsText(dimensions);
    const obs: Obs[] = [];
    if (typeof raw === 'number') obs.push({ kind: 'value', value: factor(raw), additive: unit === 'Count' });
    else if (Array.isArray(raw)) for (const v of raw as number[]) obs.push({ kind: 'value', value: factor(v), additive: unit === 'Count' });
    else {
      const s = raw as { Sum: number; Min: number; Max: number; Count: number; Counts?: number[] };
      const count = Array.isArray(s.Counts) ? s.Counts.reduce((a, b) => a + b, 0) : s.Count;
      obs.push({ kind: 'sum', value: factor(s.Sum), additive: true }, { kind: 'count', value: count, additive: true }, { kind: 'min', value: factor(s.Min), additive: false }, { kind: 'max', value: factor(s.Max), additive: false });
    }
    for (const o of obs) {
      const key = `${o.kind === 'value' ? base : `${base}_${o.kind}`}{${labels}}`;
      const samples = this.series.get(key) ?? new Map<number, number>();
      this.series.set(key, samples);
      const prev = samples.get(timestamp);
      let v = o.value;
      if (prev !== undefined) {
        if (o.kind === 'min') v = Math.min(prev, v);
        else if (o.kind === 'max') v = Math.max(prev, v);
        else if (o.additive) v = prev + v;
      }
      samples.set(timestamp, v);
    }
  }

  /** Every metric of an EMF document (per dimension set, CloudWatch's model). */
  addDocument(emfText: string, logEventTimestamp: number): void {
    const doc = JSON.parse(emfText) as Record<string, unknown> & { _aws: { Timestamp?: unknown; CloudWatchMetrics: { Namespace: string; Dimensions?: string[][]; Metrics: { Name: string; Unit?: string }[] }[] } };
    const ts = typeof doc._aws.Timestamp === 'number' ? doc._aws.Timestamp : logEventTimestamp;
    for (const d of doc._aws.CloudWatchMetrics) {
      const sets = d.Dimensions === undefined || d.Dimensions.length === 0 ? [[]] : d.Dimensions;
      for (const set of sets) {
        const valid = set.every((k) => typeof doc[k] === 'string' && doc[k] !== '');
        const dims: Record<string, string> = valid ? Object.fromEntries(set.map((k) => [k, doc[k] as string])) : {};
        for (const m of d.Metrics) this.add(d.Namespace, m.Name, m.Unit ?? 'None', dims, ts, doc[m.Name]);
      }
    }
  }

  /** A datum as the contract kit describes it (its value already expanded). */
  addDatum(d: MetricDatum): void {
    const v = d.value;
    const raw = isStatisticSet(v) ? { Sum: v.sum, Min: v.min, Max: v.max, Count: v.count } : v;
    this.add(d.namespace, d.name, d.unit, { ...d.dimensions }, d.timestamp, raw);
  }

  /** `name{labels}@ts=value` for every expected sample. */
  keys(): string[] {
    const out: string[] = [];
    for (const [k, samples] of this.series) for (const [t, v] of samples) out.push(`${k}@${t}=${v}`);
    return out;
  }
}

/** The same key format from what Prometheus returned. */
export function seriesKeyOf(labels: Record<string, string>): string {
  const name = labels.__name__;
  const rest = Object.entries(labels)
    .filter(([n]) => n !== '__name__')
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([n, v]) => `${n}="${v}"`)
    .join(',');
  return `${name}{${rest}}`;
}

/**
 * The samples of `oracle` that Prometheus does not hold (or holds with another value), as `series@t=v (got …)`
 * lines: `held` is what `PrometheusServer.rawSeries` returned.
 */
export function missingSamples(oracle: Oracle, held: readonly RawSeries[]): string[] {
  const bySeries = new Map(held.map((r) => [seriesKeyOf(r.labels), new Map(r.samples)]));
  const missing: string[] = [];
  for (const [series, samples] of oracle.series) {
    for (const [t, v] of samples) {
      const got = bySeries.get(series)?.get(t);
      if (got === undefined || Math.abs(got - v) > 1e-9 * Math.max(1, Math.abs(v))) missing.push(`${series}@${t}=${v} (got ${got})`);
    }
  }
  return missing;
}
