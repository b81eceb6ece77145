/**
 * Metric data → remote-write requests. Pure and synchronous (the benchmark and the fuzz tests
 * call it directly). Rules, documented in the README ("Prometheus naming" and "Ordering"):
 *
 * - number / array → one gauge series `<name>`; every element is an observation at the document's timestamp.
 * - statistic set  → `<name>_sum`, `<name>_count`, `<name>_min`, `<name>_max` (Values/Counts are not sent).
 * - several observations of one series at one millisecond → one sample, by the merge rule
 *   (`auto`: sum for unit Count, last value otherwise; `_sum`/`_count` add, `_min`/`_max` keep the extreme).
 * - labels sorted, samples of each series sorted by time, one sample per timestamp: a request is
 *   never rejected for its own duplicates or ordering.
 * - requests split at `maxSamplesPerRequest` samples / `maxRequestBytes` (protobuf, before snappy).
 */
import { PairTree } from '../../../shared/consumer/pairTree.ts';
import { isStatisticSet, type DatumSource, type MetricData, type MetricDatum } from '../../../shared/consumer/types.ts';
import type { EmfUnit } from '../../../shared/emf/constants.ts';
import { resolveType } from '../../../shared/consumer/metricKind.ts';
import { DEFAULT_TRANSLATE_OPTIONS, type PromType, type SourceLabel, type TranslateOptions } from './config.ts';
import { assignLabelNames, compareStrings, convertValue, metricName, unitMapping, type UnitMapping } from './naming.ts';
import { finishSamples, type Rule, type SeriesAcc } from './samples.ts';
import { labelsBytes, splitRequests, type PlannedWriteRequest, type SeriesToSplit } from './splitRequests.ts';
import type { Label, Sample } from './writeRequest.ts';

export interface TranslateResult {
  requests: PlannedWriteRequest[];
  series: number;
  /** Samples in the requests (after merging). */
  samples: number;
  /** Observations folded into another sample of the same series and timestamp by the merge rule. */
  merged: number;
  /** Data not turned into samples, by reason (never silently). */
  skipped: Record<string, number>;
}

type Kind = 'value' | 'sum' | 'count' | 'min' | 'max';

/** An EMF metric's Prometheus names and conversions (one per namespace, name and unit). */
export interface Family {
  unit: EmfUnit;
  /** `[prefix_][namespace_]metric[_unit]`. */
  base: string;
  names: Record<Kind, string>;
  mapping: UnitMapping;
  valueRule: Rule;
  /** What the metric becomes in cumulative mode (unit class, then `PROM_RW_TYPE_OVERRIDES`). */
  type: PromType;
}

/** A label set: which keys become which labels, their values, and what the caller keeps for it. */
export interface LabelContext<T> {
  plan: LabelPlanEntry[];
  values: string[];
  labelKey: string;
  /** What the caller keeps for this label set, by metric name (shared by every context with the same `labelKey`). */
  series: Map<string, T>;
  /** What the context was built from (see `sameInputs`). */
  dims: Readonly<Record<string, string>>;
  dimCount: number;
  properties: Readonly<Record<string, unknown>>;
  source: DatumSource;
  namespace: string;
}

interface LabelPlanEntry {
  name: string;
  from: 'dim' | 'prop' | 'src';
  key: string;
}

const CACHE_LIMIT = 50_000;

/** A translator keeps name caches between calls; create one per provider (container). */
export interface Translator {
  readonly options: TranslateOptions;
  translate(data: MetricData): TranslateResult;
  forEachLabelled<T>(data: MetricData, byLabelKey: Map<string, Map<string, T>>, skipped: Record<string, number>, fn: (d: MetricDatum, f: Family, ctx: LabelContext<T>) => void): void;
}

/** The cumulative type of each unit class (README "Types"). */
const PROM_DEFAULT_TYPES = { count: 'counter', time: 'histogram', value: 'gauge' } as const;

/**
 * @example
 * const t = createTranslator({ prefix: 'emf' });
 * const { requests, merged } = t.translate(data); // requests[i].request → encodeWriteRequest
 */
export function createTranslator(partial: Partial<TranslateOptions> = {}): Translator {
  const options: TranslateOptions = { ...DEFAULT_TRANSLATE_OPTIONS, ...partial };
  // namespace → metric name → family (of the name's first unit; other units in `otherUnits`).
  const families = new Map<string, Map<string, Family>>();
  const otherUnits = new Map<string, Family>();
  let lastNs: string | undefined;
  let lastByName: Map<string, Family> | undefined;
  const labelPlans = new Map<string, LabelPlanEntry[]>();
  // Cumulative series carry the writer label, and histogram buckets `le`: a dimension never takes those names.
  const reserved = new Set<string>(['__name__', ...options.sourceLabels, ...(options.mode === 'cumulative' ? [options.cumulative.writerLabel, 'le'] : [])]);
  const union = options.dimensionMode === 'union';
  const propKeys = options.propertyLabels;
  const srcLabels = options.sourceLabels.length > 0;

  // One lookup per datum in the common case: the namespace repeats (its map is kept) and a name has one unit.
  const family = (ns: string, name: string, unit: EmfUnit): Family => {
    let byName = ns === lastNs ? lastByName! : families.get(ns);
    if (byName === undefined) {
      if (families.size >= CACHE_LIMIT) families.clear();
      byName = new Map();
      families.set(ns, byName);
    }
    lastNs = ns;
    lastByName = byName;
    const first = byName.get(name);
    if (first !== undefined && first.unit === unit) return first;
    if (first === undefined) {
      const f = newFamily(ns, name, unit);
      if (byName.size >= CACHE_LIMIT) byName.clear();
      byName.set(name, f);
      return f;
    }
    const key = `${ns}\u0000${name}\u0000${unit}`;
    let f = otherUnits.get(key);
    if (f === undefined) {
      f = newFamily(ns, name, unit);
      if (otherUnits.size >= CACHE_LIMIT) otherUnits.clear();
      otherUnits.set(key, f);
    }
    return f;
  };

  const newFamily = (ns: string, name: string, unit: EmfUnit): Family => {
    const mapping = unitMapping(unit, options.unitBase);
    const base = metricName({ prefix: options.prefix, namespace: options.namespaceInName ? ns : undefined, name, unitSuffix: mapping.suffix, nameCase: options.nameCase });
    const valueRule: Rule = options.merge === 'auto' ? (unit === 'Count' ? 'sum' : 'last') : options.merge;
    const type = resolveType(name, unit, options.cumulative.typeOverrides, PROM_DEFAULT_TYPES);
    return { unit, base, names: { value: base, sum: `${base}_sum`, count: `${base}_count`, min: `${base}_min`, max: `${base}_max` }, mapping, valueRule, type };
  };

  const labelPlan = (sig: string, dims: Readonly<Record<string, string>>, props: string[]): LabelPlanEntry[] => {
    let plan = labelPlans.get(sig);
    if (plan !== undefined) return plan;
    const dimKeys = Object.keys(dims);
    const assigned = assignLabelNames([...dimKeys, ...props], reserved, options.nameCase);
    const dimSet = new Set(dimKeys);
    plan = assigned.map(([key, name]): LabelPlanEntry => ({ name, key, from: dimSet.has(key) ? 'dim' : 'prop' }));
    for (const s of options.sourceLabels) plan.push({ name: s, key: s, from: 'src' });
    plan.sort((a, b) => compareStrings(a.name, b.name));
    if (labelPlans.size >= CACHE_LIMIT) labelPlans.clear();
    labelPlans.set(sig, plan);
    return plan;
  };

  /**
   * Calls `fn` for every datum with its family and label context, in order. `byLabelKey` holds
   * what the caller keeps per label set (label key → metric name → T): a translation's series, or
   * the cumulative state. In union mode the copies of a datum that other dimension sets of its
   * directive make are skipped (counted as `union_duplicate_set`).
   */
  const forEachLabelled = <T>(data: MetricData, byLabelKey: Map<string, Map<string, T>>, skipped: Record<string, number>, fn: (d: MetricDatum, f: Family, ctx: LabelContext<T>) => void): void => {
    const seenUnion = union ? new Set<string>() : undefined;
    // The label set of the previous datum: consecutive data of one dimension set share its objects,
    // and consecutive documents often have the same dimension values (compared, not rebuilt).
    let ctx: LabelContext<T> | undefined;
    let ctxDims: object | undefined;
    // Without property or source labels, a label set depends on the dimensions alone: the contexts of
    // this call are kept in a tree by dimension key, then value, so a dimension set seen before in
    // the chunk costs a lookup per dimension instead of building and hashing its label key again.
    const byContent = propKeys.length === 0 && !srcLabels ? new PairTree<LabelContext<T>>() : undefined;

    data.forEach((d) => {
      const dims = union ? d.directiveDimensions : d.dimensions;
      if (
        ctx === undefined ||
        (dims !== ctxDims || (propKeys.length > 0 && d.properties !== ctx.properties) || (srcLabels && (d.source !== ctx.source || d.namespace !== ctx.namespace))) &&
        !sameInputs(ctx, d, dims)
      ) {
        ctx = byContent === undefined ? labelContext(d, dims, byLabelKey) : knownContext(byContent, d, dims, byLabelKey);
      }
      ctxDims = dims;

      if (seenUnion !== undefined) {
        // In union mode every dimension set of a directive yields the same series: keep the first copy only.
        const k = `${d.source.logGroup}\u0000${d.source.logStream}\u0000${d.source.eventId}\u0000${d.timestamp}\u0000${d.namespace}\u0000${d.name}\u0000${ctx.labelKey}`;
        if (seenUnion.has(k)) {
          skipped.union_duplicate_set = (skipped.union_duplicate_set ?? 0) + 1;
          return;
        }
        seenUnion.add(k);
      }
      fn(d, family(d.namespace, d.name, d.unit), ctx);
    });
  };

  const translate = (data: MetricData): TranslateResult => {
    // label key → metric name → series: the label set is looked up once per dimension set, the name once per datum.
    const series = new Map<string, Map<string, SeriesAcc>>();
    const skipped: Record<string, number> = {};
    forEachLabelled(data, series, skipped, (d, f, ctx) => {
      const ts = Math.trunc(d.timestamp);
      const v = d.value;
      // Each datum is counted in its first series: a rejection of that series' request drops it.
      if (typeof v === 'number') {
        const s = seriesFor(f.names.value, ctx, f.valueRule);
        s.data++;
        push(s, ts, convertValue(v, f.mapping));
      } else if (!isStatisticSet(v)) {
        if (v.length === 0) {
          skipped.empty_values = (skipped.empty_values ?? 0) + 1;
          return;
        }
        const s = seriesFor(f.names.value, ctx, f.valueRule);
        s.data++;
        for (const x of v) push(s, ts, convertValue(x, f.mapping));
      } else {
        const sum = seriesFor(f.names.sum, ctx, 'sum');
        sum.data++;
        push(sum, ts, convertValue(v.sum, f.mapping));
        push(seriesFor(f.names.count, ctx, 'sum'), ts, v.count);
        push(seriesFor(f.names.min, ctx, 'min'), ts, convertValue(v.min, f.mapping));
        push(seriesFor(f.names.max, ctx, 'max'), ts, convertValue(v.max, f.mapping));
      }
    });

    let merged = 0;
    let total = 0;
    const finished: SeriesToSplit[] = [];
    for (const byName of series.values()) {
      for (const s of byName.values()) {
        const samples = finishSamples(s);
        merged += s.ts.length - samples.length;
        total += samples.length;
        finished.push({ labels: s.labels, samples, labelBytes: s.labelBytes, data: s.data });
      }
    }
    return { requests: splitRequests(finished, options), series: finished.length, samples: total, merged, skipped };
  };

  /**
   * Whether `d` has the label inputs `ctx` was built from: the same dimensions (in any order: labels
   * are sorted), allow-listed properties and source.
   */
  const sameInputs = <T>(ctx: LabelContext<T>, d: MetricDatum, dims: Readonly<Record<string, string>>): boolean => {
    const prev = ctx.dims;
    let n = 0;
    for (const k in dims) {
      if (prev[k] !== dims[k]) return false;
      n++;
    }
    if (n !== ctx.dimCount) return false;
    for (const k of propKeys) if (d.properties[k] !== ctx.properties[k]) return false;
    if (srcLabels) {
      const a = d.source;
      const b = ctx.source;
      if (d.namespace !== ctx.namespace || a.account !== b.account || a.region !== b.region || a.logGroup !== b.logGroup || a.logStream !== b.logStream) return false;
    }
    return true;
  };

  /** The context of `dims` from the tree at `root` (see `byContent`), made the first time. */
  const knownContext = <T>(root: PairTree<LabelContext<T>>, d: MetricDatum, dims: Readonly<Record<string, string>>, series: Map<string, Map<string, T>>): LabelContext<T> => {
    let node = root;
    for (const k in dims) node = node.child(k, dims[k]!);
    return (node.value ??= labelContext(d, dims, series));
  };

  /** Which keys become labels (this datum's dimensions, then allow-listed properties present on it) and their values. */
  const labelContext = <T>(d: MetricDatum, dims: Readonly<Record<string, string>>, series: Map<string, Map<string, T>>): LabelContext<T> => {
    let sig = '';
    let dimCount = 0;
    for (const k in dims) {
      sig += `${k}\u0000`;
      dimCount++;
    }
    let props: string[] = [];
    if (propKeys.length > 0) {
      props = propKeys.filter((k) => d.properties[k] !== undefined && !(k in dims));
      sig += `\u0001${props.join('\u0000')}`;
    }
    const plan = labelPlan(sig, dims, props);
    // The canonical label-set key (label names sorted, empty values dropped), without __name__.
    const values = new Array<string>(plan.length);
    let labelKey = '';
    for (let i = 0; i < plan.length; i++) {
      const e = plan[i]!;
      const v = labelValue(e, d, dims);
      values[i] = v;
      if (v !== '') labelKey += `${e.name}\u0000${v}\u0000`;
    }
    let byName = series.get(labelKey);
    if (byName === undefined) {
      byName = new Map();
      series.set(labelKey, byName);
    }
    return { plan, values, labelKey, series: byName, dims, dimCount, properties: d.properties, source: d.source, namespace: d.namespace };
  };

  return { options, translate, forEachLabelled };
}

function seriesFor(name: string, ctx: LabelContext<SeriesAcc>, rule: Rule): SeriesAcc {
  let s = ctx.series.get(name);
  if (s === undefined) {
    const labels = buildLabels(name, ctx.plan, ctx.values);
    // Two EMF metrics can share a Prometheus name (Count and None units, namespaces differing in case): the first rule wins.
    s = { labels, ts: [], vals: [], rule, ordered: true, labelBytes: labelsBytes(labels), data: 0 };
    ctx.series.set(name, s);
  }
  return s;
}

function push(s: SeriesAcc, ts: number, value: number): void {
  const n = s.ts.length;
  if (n > 0 && ts < s.ts[n - 1]!) s.ordered = false;
  s.ts.push(ts);
  s.vals.push(value);
}

/** Label values must be valid UTF-8: a lone surrogate (possible from a JSON `\ud800` escape) becomes U+FFFD. */
function wellFormed(v: string): string {
  return v.isWellFormed() ? v : v.toWellFormed();
}

function labelValue(e: LabelPlanEntry, d: MetricDatum, dims: Readonly<Record<string, string>>): string {
  if (e.from === 'dim') {
    const v = dims[e.key];
    return typeof v === 'string' ? wellFormed(v) : v === undefined || v === null ? '' : String(v);
  }
  if (e.from === 'prop') {
    const v = d.properties[e.key];
    return typeof v === 'string' ? wellFormed(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
  }
  switch (e.key as SourceLabel) {
    case 'namespace': return wellFormed(d.namespace);
    case 'account': return d.source.account;
    case 'region': return d.source.region;
    case 'log_group': return d.source.logGroup;
    case 'log_stream': return d.source.logStream;
  }
}

function buildLabels(name: string, plan: LabelPlanEntry[], values: string[]): Label[] {
  const labels: Label[] = [];
  let nameAdded = false;
  for (let i = 0; i < plan.length; i++) {
    const v = values[i]!;
    if (v === '') continue; // Prometheus rejects empty label values: an empty value means "no label".
    const ln = plan[i]!.name;
    if (!nameAdded && compareStrings('__name__', ln) < 0) {
      labels.push({ name: '__name__', value: name });
      nameAdded = true;
    }
    labels.push({ name: ln, value: v });
  }
  if (!nameAdded) labels.push({ name: '__name__', value: name });
  return labels;
}

const translators = new WeakMap<object, Translator>();

/**
 * Pure translation with the given options (defaults for the rest). Reuses a cached translator
 * per options object, so calling it in a loop with the same options keeps the name caches warm.
 */
export function toWriteRequests(data: MetricData, options: Partial<TranslateOptions> = DEFAULT_TRANSLATE_OPTIONS): TranslateResult {
  let t = translators.get(options);
  if (t === undefined) {
    t = createTranslator(options);
    translators.set(options, t);
  }
  return t.translate(data);
}
