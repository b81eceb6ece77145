/**
 * Metric data → label sets: which dimension, property and source keys become which Prometheus labels, their
 * values, and the caller's state per label set (a translation's series, or the cumulative state). Both modes
 * walk a chunk with `forEachLabelled`; consecutive data of one dimension set reuse their label set instead of
 * building it again.
 */
import type { DatumSource, MetricData, MetricDatum } from '../../../shared/consumer/types.ts';
import type { SourceLabel, TranslateOptions } from './config.ts';
import { CACHE_LIMIT, type Family, type FamilyOf } from './families.ts';
import { assignLabelNames, compareStrings } from './naming.ts';

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

/**
 * Calls `fn` for every datum with its family and label context, in order. `byLabelKey` holds what the caller
 * keeps per label set (label key → metric name → T). In union mode the copies of a datum that other dimension
 * sets of its directive make are skipped (counted as `union_duplicate_set`).
 */
export type ForEachLabelled = <T>(data: MetricData, byLabelKey: Map<string, Map<string, T>>, skipped: Record<string, number>, fn: (d: MetricDatum, f: Family, ctx: LabelContext<T>) => void) => void;

/** The walk of both modes under `options`, with label plans cached by key signature and families found by `family`. */
export function createForEachLabelled(options: TranslateOptions, family: FamilyOf): ForEachLabelled {
  const labelPlans = new Map<string, LabelPlanEntry[]>();
  // Cumulative series carry the writer label, and histogram buckets `le`: a dimension never takes those names.
  const reserved = new Set<string>(['__name__', ...options.sourceLabels, ...(options.mode === 'cumulative' ? [options.cumulative.writerLabel, 'le'] : [])]);
  const union = options.dimensionMode === 'union';
  const propKeys = options.propertyLabels;
  const srcLabels = options.sourceLabels.length > 0;

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

  return <T>(data: MetricData, byLabelKey: Map<string, Map<string, T>>, skipped: Record<string, number>, fn: (d: MetricDatum, f: Family, ctx: LabelContext<T>) => void): void => {
    const seenUnion = union ? new Set<string>() : undefined;
    // The label set of the previous datum: consecutive data of one dimension set share its objects,
    // and consecutive documents often have the same dimension values (compared, not rebuilt).
    let ctx: LabelContext<T> | undefined;
    let ctxDims: object | undefined;

    data.forEach((d) => {
      const dims = union ? d.directiveDimensions : d.dimensions;
      if (
        ctx === undefined ||
        (dims !== ctxDims || (propKeys.length > 0 && d.properties !== ctx.properties) || (srcLabels && (d.source !== ctx.source || d.namespace !== ctx.namespace))) &&
        !sameInputs(ctx, d, dims)
      ) {
        ctx = labelContext(d, dims, byLabelKey);
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
      fn(d, family(d.namespace, d.name, d.unit, d.type), ctx);
    });
  };
}

/** Label values must be valid UTF-8: a lone surrogate (possible from a JSON `\ud800` escape) becomes U+FFFD. */
function wellFormed(v: string): string {
  return v.toWellFormed();
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
