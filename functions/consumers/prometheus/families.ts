/**
 * EMF metric → Prometheus family: its names, unit conversion, merge rule and cumulative type (the naming rules:
 * naming.ts). Families are cached per translator (container): one lookup per datum in the common case.
 */
import type { EmfUnit } from '../../../shared/emf/constants.ts';
import { resolveType } from '../../../shared/consumer/metricKind.ts';
import type { PromType, TranslateOptions } from './config.ts';
import { metricName, unitMapping, type UnitMapping } from './naming.ts';
import type { Rule } from './samples.ts';

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

/** Entries a translator's caches keep at most (each is emptied when full). */
export const CACHE_LIMIT = 50_000;

/** The cumulative type of each unit class (docs/prometheus.md#types). */
const PROM_DEFAULT_TYPES = { count: 'counter', time: 'histogram', value: 'gauge' } as const;

/** The family of a metric (namespace, name, unit) under `options`, cached. */
export function createFamilies(options: TranslateOptions): (ns: string, name: string, unit: EmfUnit) => Family {
  // namespace → metric name → family (of the name's first unit; other units in `otherUnits`).
  const families = new Map<string, Map<string, Family>>();
  const otherUnits = new Map<string, Family>();
  let lastNs: string | undefined;
  let lastByName: Map<string, Family> | undefined;

  const newFamily = (ns: string, name: string, unit: EmfUnit): Family => {
    const mapping = unitMapping(unit, options.unitBase);
    const base = metricName({ prefix: options.prefix, namespace: options.namespaceInName ? ns : undefined, name, unitSuffix: mapping.suffix, nameCase: options.nameCase });
    const valueRule: Rule = options.merge === 'auto' ? (unit === 'Count' ? 'sum' : 'last') : options.merge;
    const type = resolveType(name, unit, options.cumulative.typeOverrides, PROM_DEFAULT_TYPES);
    return { unit, base, names: { value: base, sum: `${base}_sum`, count: `${base}_count`, min: `${base}_min`, max: `${base}_max` }, mapping, valueRule, type };
  };

  // One lookup per datum in the common case: the namespace repeats (its map is kept) and a name has one unit.
  return (ns, name, unit) => {
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
}
