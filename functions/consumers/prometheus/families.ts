/**
 * EMF metric → Prometheus family: its names, unit conversion, merge rule and cumulative type (the naming rules:
 * naming.ts). Families are cached per translator (container): one lookup per datum in the common case.
 */
import type { EmfUnit } from '../../../shared/emf/constants.ts';
import { resolveType, type DeclaredType } from '../../../shared/consumer/metricKind.ts';
import type { PromType, TranslateOptions } from './config.ts';
import { metricName, unitMapping, type UnitMapping } from './naming.ts';
import type { Rule } from './samples.ts';

type Kind = 'value' | 'sum' | 'count' | 'min' | 'max';

/** An EMF metric's Prometheus names and conversions (one per namespace, name, unit and declared type). */
export interface Family {
  unit: EmfUnit;
  /** The type the metric's document declared (`MetricDatum.type`), undefined when none. */
  declared: DeclaredType | undefined;
  /** `[prefix_][namespace_]metric[_unit]`. */
  base: string;
  names: Record<Kind, string>;
  mapping: UnitMapping;
  valueRule: Rule;
  /** What the metric becomes in cumulative mode (`PROM_RW_TYPE_OVERRIDES`, then the declared type, then the unit class). */
  type: PromType;
}

/** Entries a translator's caches keep at most (each is emptied when full). */
export const CACHE_LIMIT = 50_000;

/** The cumulative type of each unit class (docs/prometheus.md#types). */
const PROM_DEFAULT_TYPES = { count: 'counter', time: 'histogram', value: 'gauge', gauge: 'gauge' } as const;

/** The family of a metric (namespace, name, unit, declared type) under `options`, cached. */
export type FamilyOf = (ns: string, name: string, unit: EmfUnit, declared: DeclaredType | undefined) => Family;

/** The `FamilyOf` of a translator under `options`, with its cache. */
export function createFamilies(options: TranslateOptions): FamilyOf {
  // namespace → metric name → family (of the name's first unit and declared type; others in `otherUnits`).
  const families = new Map<string, Map<string, Family>>();
  const otherUnits = new Map<string, Family>();
  let lastNs: string | undefined;
  let lastByName: Map<string, Family> | undefined;

  const newFamily = (ns: string, name: string, unit: EmfUnit, declared: DeclaredType | undefined): Family => {
    const mapping = unitMapping(unit, options.unitBase);
    const base = metricName({ prefix: options.prefix, namespace: options.namespaceInName ? ns : undefined, name, unitSuffix: mapping.suffix, nameCase: options.nameCase });
    const valueRule: Rule = options.merge === 'auto' ? (unit === 'Count' ? 'sum' : 'last') : options.merge;
    const type = resolveType(name, unit, options.cumulative.typeOverrides, PROM_DEFAULT_TYPES, declared);
    return { unit, declared, base, names: { value: base, sum: `${base}_sum`, count: `${base}_count`, min: `${base}_min`, max: `${base}_max` }, mapping, valueRule, type };
  };

  // One lookup per datum in the common case: the namespace repeats (its map is kept) and a name has one unit
  // and one declared type (another one is another family, as another unit is).
  return (ns, name, unit, declared) => {
    let byName = ns === lastNs ? lastByName! : families.get(ns);
    if (byName === undefined) {
      if (families.size >= CACHE_LIMIT) families.clear();
      byName = new Map();
      families.set(ns, byName);
    }
    lastNs = ns;
    lastByName = byName;
    const first = byName.get(name);
    if (first !== undefined && first.unit === unit && first.declared === declared) return first;
    if (first === undefined) {
      const f = newFamily(ns, name, unit, declared);
      if (byName.size >= CACHE_LIMIT) byName.clear();
      byName.set(name, f);
      return f;
    }
    const key = `${ns}\u0000${name}\u0000${unit}\u0000${declared ?? ''}`;
    let f = otherUnits.get(key);
    if (f === undefined) {
      f = newFamily(ns, name, unit, declared);
      if (otherUnits.size >= CACHE_LIMIT) otherUnits.clear();
      otherUnits.set(key, f);
    }
    return f;
  };
}
