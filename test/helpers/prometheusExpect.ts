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

function expectedMetricName(namespace: string, name: string, unit: string, prefix = ''): string {
  const [suffix] = SUFFIX_AND_FACTOR[unit] ?? ['', (v: number) => v];
  let n = [prefix, snake(namespace), snake(name)].filter((p) => p !== '').join('_');
  if (suffix !== '' && !n.endsWith(`_${suffix}`)) n += `_${suffix}`;
  return /^[0-9]/.test(n) ? `_${n}` : n;
}

function labelsText(dimensions: Record<string, string>): string {
  const pairs = new Map<string, string>();
  for (const [k, v] of Object.entries(dimensions)) {
    let n = snake(k);
    if (n === '') n = 'label';
    if (/^[0-9]/.test(n)) n = `_${n}`;
    // Names are given before empty values are left out, so a collision with an empty value renames too.
    if (pairs.has(n)) throw new Error(`oracle: dimension keys collide on label "${n}"; not modelled`);
    pairs.set(n, v.toWellFormed()); // README: lone surrogates become U+FFFD
  }
  return [...pairs].filter(([, v]) => v !== '').sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, v]) => `${n}="${v}"`).join(',');
}

/** Calls `fn` for every metric of every dimension set of an EMF document (CloudWatch's model). */
function forEachMetric(emfText: string, logEventTimestamp: number, fn: (namespace: string, name: string, unit: string, dims: Record<string, string>, ts: number, raw: unknown) => void): void {
  const doc = JSON.parse(emfText) as Record<string, unknown> & { _aws: { Timestamp?: unknown; CloudWatchMetrics: { Namespace: string; Dimensions?: string[][]; Metrics: { Name: string; Unit?: string }[] }[] } };
  const ts = typeof doc._aws.Timestamp === 'number' ? doc._aws.Timestamp : logEventTimestamp;
  for (const d of doc._aws.CloudWatchMetrics) {
    const sets = d.Dimensions === undefined || d.Dimensions.length === 0 ? [[]] : d.Dimensions;
    for (const set of sets) {
      const valid = set.every((k) => typeof doc[k] === 'string' && doc[k] !== '');
      const dims: Record<string, string> = valid ? Object.fromEntries(set.map((k) => [k, doc[k] as string])) : {};
      for (const m of d.Metrics) fn(d.Namespace, m.Name, m.Unit ?? 'None', dims, ts, doc[m.Name]);
    }
  }
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
    forEachMetric(emfText, logEventTimestamp, (ns, name, unit, dims, ts, raw) => this.add(ns, name, unit, dims, ts, raw));
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

/** The cumulative mode's default buckets (seconds), as the README lists them. */
const README_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900];

/**
 * The oracle of `PROM_RW_MODE=cumulative` with default types (docs/prometheus.md#types): what the latest
 * sample of every series must be, summed over writers, computed from the documents alone.
 * - unit Count → `<name>_total`, the sum of every observed value (a statistic set: its Sum);
 * - time units → `<name>_seconds_bucket{le}`, `_sum`, `_count` (a statistic set: Values with
 *   Counts, else Min, Max and the rest at the mean, in the buckets; Sum and the sample count as they are);
 * - any other unit → `<name>`: the observation with the latest timestamp (an array's last member, a set's Max).
 */
export class CumulativeOracle {
  /** `name{labels}` → expected value. */
  readonly values = new Map<string, number>();
  /** Data the README says are dropped, by reason: negative counter increments, a second type for one name. */
  readonly dropped: Record<string, number> = {};
  private readonly gaugeTs = new Map<string, number>();
  private readonly typeOf = new Map<string, string>();
  constructor(private readonly prefix = '', private readonly buckets: readonly number[] = README_BUCKETS) {}

  add(namespace: string, name: string, unit: string, dimensions: Record<string, string>, timestamp: number, raw: unknown): void {
    const [, factor] = SUFFIX_AND_FACTOR[unit] ?? ['', (v: number) => v];
    const base = expectedMetricName(namespace, name, unit, this.prefix);
    for (const k of Object.keys(dimensions)) {
      if (['le', 'emf_fanout_writer'].includes(snake(k))) throw new Error(`oracle: dimension "${k}" takes a reserved label name; not modelled`);
    }
    const labels = labelsText(dimensions);
    const key = (n: string, le?: string) => `${n}{${le === undefined ? labels : labelsText({ ...dimensions, le })}}`;
    const addTo = (k: string, v: number) => this.values.set(k, (this.values.get(k) ?? 0) + v);
    const set = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { Sum: number; Min: number; Max: number; Count: number; Values?: number[]; Counts?: number[] }) : undefined;
    const list = typeof raw === 'number' ? [raw] : Array.isArray(raw) ? (raw as number[]) : [];
    const drop = (reason: string) => void (this.dropped[reason] = (this.dropped[reason] ?? 0) + 1);
    const type = unit === 'Count' ? 'counter' : unit === 'Seconds' || unit === 'Milliseconds' || unit === 'Microseconds' ? 'histogram' : 'gauge';
    const identity = key(base);
    if ((this.typeOf.get(identity) ?? type) !== type) return drop('prometheus_type_conflict');
    this.typeOf.set(identity, type);
    if (unit === 'Count') {
      const inc = set ? factor(set.Sum) : list.reduce((a, b) => a + factor(b), 0);
      if (inc < 0) return drop('prometheus_counter_negative');
      addTo(key(base.endsWith('_total') ? base : `${base}_total`), inc);
    } else if (unit === 'Seconds' || unit === 'Milliseconds' || unit === 'Microseconds') {
      const weighted: [number, number][] = [];
      if (set) {
        const count = Array.isArray(set.Counts) ? set.Counts.reduce((a, b) => a + b, 0) : set.Count;
        addTo(key(`${base}_sum`), factor(set.Sum));
        addTo(key(`${base}_count`), count);
        if (Array.isArray(set.Values) && Array.isArray(set.Counts)) set.Values.forEach((v, i) => weighted.push([factor(v), set.Counts![i]!]));
        else if (count === 1) weighted.push([factor(set.Sum), 1]);
        else if (count >= 2) {
          weighted.push([factor(set.Min), 1], [factor(set.Max), 1]);
          if (count > 2) weighted.push([factor((set.Sum - set.Min - set.Max) / (count - 2)), count - 2]);
        }
      } else {
        for (const v of list) weighted.push([factor(v), 1]);
        addTo(key(`${base}_sum`), list.reduce((a, b) => a + factor(b), 0));
        addTo(key(`${base}_count`), list.length);
      }
      for (const b of [...this.buckets, Number.POSITIVE_INFINITY]) {
        const le = b === Number.POSITIVE_INFINITY ? '+Inf' : String(b);
        addTo(key(`${base}_bucket`, le), weighted.filter(([v]) => v <= b).reduce((a, [, w]) => a + w, 0));
      }
    } else {
      const k = key(base);
      const v = set ? factor(set.Max) : factor(list[list.length - 1]!);
      if (timestamp >= (this.gaugeTs.get(k) ?? Number.NEGATIVE_INFINITY)) {
        this.values.set(k, v + 0); // -0 + 0 is +0: Prometheus does not keep the sign of a zero
        this.gaugeTs.set(k, timestamp);
      }
    }
  }

  /** Every metric of an EMF document (per dimension set, CloudWatch's model). */
  addDocument(emfText: string, logEventTimestamp: number): void {
    forEachMetric(emfText, logEventTimestamp, (ns, name, unit, dims, ts, raw) => this.add(ns, name, unit, dims, ts, raw));
  }

  /** A datum as the contract kit describes it. */
  addDatum(d: MetricDatum): void {
    const v = d.value;
    const raw = isStatisticSet(v) ? { Sum: v.sum, Min: v.min, Max: v.max, Count: v.count, ...(v.values ? { Values: v.values, Counts: v.counts } : {}) } : v;
    this.add(d.namespace, d.name, d.unit, { ...d.dimensions }, d.timestamp, raw);
  }

  /** `name{labels}=value` for every expected series. */
  keys(): string[] {
    return [...this.values].map(([k, v]) => `${k}=${v}`);
  }
}

/**
 * What Prometheus holds now, as the cumulative oracle's keys: the latest sample of each series,
 * summed over the values of `writerLabel` (each writer holds its own part).
 */
export function latestByWriterlessSeries(held: readonly RawSeries[], writerLabel = 'emf_fanout_writer'): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of held) {
    const last = s.samples.at(-1);
    if (last === undefined) continue;
    const labels = Object.fromEntries(Object.entries(s.labels).filter(([n]) => n !== writerLabel));
    const k = seriesKeyOf(labels);
    out.set(k, (out.get(k) ?? 0) + last[1]);
  }
  return out;
}

/** The oracle's series that Prometheus does not hold with the expected value, as `series=v (got …)` lines. */
export function cumulativeMismatches(oracle: CumulativeOracle, held: readonly RawSeries[]): string[] {
  const got = latestByWriterlessSeries(held);
  const wrong: string[] = [];
  for (const [k, v] of oracle.values) {
    const g = got.get(k);
    if (g === undefined || Math.abs(g - v) > 1e-9 * Math.max(1, Math.abs(v))) wrong.push(`${k}=${v} (got ${g})`);
  }
  return wrong;
}
