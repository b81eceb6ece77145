/**
 * The metric declarations of an EMF document (`_aws.CloudWatchMetrics`), checked: each directive's
 * namespace and dimension sets, and the usable metric definitions with their values, units,
 * storage resolutions and (in documents of origin `cloudwatch` only) declared types. Every problem is
 * counted in `issues` (reasons from `reasons.ts`), and what is usable is kept.
 */
import { isEmfUnit, type EmfUnit, type StorageResolution } from '../emf/constants.ts';
import { describeValue } from '../describe.ts';
import { isObject, own, type Json } from './emfMembers.ts';
import { isDeclaredType, type DeclaredType } from './metricKind.ts';
import { toMetricValue } from './metricValue.ts';
import { reportIssue, type DecodeIssues } from './reasons.ts';
import type { DatumSource, MetricValue } from './types.ts';

/** A directive whose namespace and dimension sets are usable; its definitions are read by `readDefinitions`. */
export interface Directive {
  namespace: string;
  sets: string[][];
  definitions: unknown[];
}

/**
 * The usable metrics of one directive, as parallel arrays (no object per metric: a batch holds
 * tens of thousands of them). Shared by the groups of the directive's dimension sets.
 */
export interface MetricDefinitions {
  readonly names: readonly string[];
  readonly units: readonly EmfUnit[];
  readonly resolutions: readonly StorageResolution[];
  readonly values: readonly MetricValue[];
  /**
   * The declared `Type` of each metric (undefined where none, or an invalid one, was declared). Present
   * only for documents of origin `cloudwatch`: the definitions of any other document are never read for it.
   */
  readonly types?: readonly (DeclaredType | undefined)[];
}

/**
 * Directive `i` of `_aws.CloudWatchMetrics`, or undefined when it is unusable (counted as `directive_invalid`).
 * An absent or empty `Dimensions` is one set without dimensions; an unusable set is counted and left out.
 */
export function readDirective(raw: unknown, i: number, issues: DecodeIssues, source: DatumSource): Directive | undefined {
  if (!isObject(raw) || typeof raw.Namespace !== 'string' || raw.Namespace === '' || !Array.isArray(raw.Metrics)) {
    reportIssue(issues.dropped, source, 'directive_invalid', `directive ${i} must have a non-empty string "Namespace" and a "Metrics" array`);
    return undefined;
  }
  if (raw.Dimensions !== undefined && !Array.isArray(raw.Dimensions)) {
    reportIssue(issues.dropped, source, 'directive_invalid', `directive ${i} ("${raw.Namespace}") has "Dimensions" that is not an array`);
    return undefined;
  }
  // Absent (AWS's OpenTelemetry exporters) or empty `Dimensions`: one set without dimensions.
  const rawSets = raw.Dimensions === undefined || raw.Dimensions.length === 0 ? [[]] : (raw.Dimensions as unknown[]);
  const sets: string[][] = [];
  for (const s of rawSets) {
    if (isKeyList(s)) sets.push(s);
    else reportIssue(issues.dropped, source, 'dimension_set_invalid', `dimension set ${describeValue(s)} of namespace "${raw.Namespace}" is not an array of non-empty strings`);
  }
  return { namespace: raw.Namespace, sets, definitions: raw.Metrics as unknown[] };
}

function isKeyList(s: unknown): s is string[] {
  if (!Array.isArray(s)) return false;
  for (let i = 0; i < s.length; i++) if (typeof s[i] !== 'string' || s[i] === '') return false;
  return true;
}

/**
 * The usable definitions of a directive; a problem counts once per dimension set, as it loses (or changes) one datum per set.
 * The arrays are allocated at their final size (growing them by `push` cost a third of this function's allocation);
 * `types` only for a document of origin `cloudwatch`, so ordinary EMF pays nothing for it.
 */
export function readDefinitions(root: Json, d: Directive, issues: DecodeIssues, source: DatumSource, memberValues: readonly unknown[] | undefined, first: number): MetricDefinitions {
  const perSet = d.sets.length;
  const m = d.definitions.length;
  const names = new Array<string>(m);
  const units = new Array<EmfUnit>(m);
  const resolutions = new Array<StorageResolution>(m);
  const values = new Array<MetricValue>(m);
  const types = source.origin === 'cloudwatch' ? new Array<DeclaredType | undefined>(m) : undefined;
  let j = 0;
  for (let i = 0; i < m; i++) {
    const def = d.definitions[i];
    if (!isObject(def) || typeof def.Name !== 'string' || def.Name === '') {
      reportIssue(issues.dropped, source, 'metric_definition_invalid', `metric definition ${describeValue(def)} in namespace "${d.namespace}" has no non-empty string "Name"`, perSet);
      continue;
    }
    const name = def.Name;
    // Read in the members' pass when they came in definition order (no lookup by a fresh name string).
    const raw = memberValues === undefined ? own(root, name) : memberValues[first + i];
    // JSON has no `undefined`: an undefined member is a missing one.
    if (raw === undefined) {
      reportIssue(issues.dropped, source, 'metric_value_missing', `metric "${name}" in namespace "${d.namespace}" has no member in the document`, perSet);
      continue;
    }
    const value = toMetricValue(raw);
    if (typeof value === 'string') {
      reportIssue(issues.dropped, source, 'metric_value_invalid', `metric "${name}" in namespace "${d.namespace}": ${value}`, perSet);
      continue;
    }
    names[j] = name;
    units[j] = def.Unit === undefined ? 'None' : unitOf(def.Unit, name, issues, source, perSet);
    resolutions[j] = def.StorageResolution === undefined ? 60 : resolutionOf(def.StorageResolution, name, issues, source, perSet);
    values[j] = value;
    if (types !== undefined) types[j] = def.Type === undefined ? undefined : typeOf(def.Type, name, issues, source, perSet);
    j++;
  }
  if (j < m) {
    names.length = j;
    units.length = j;
    resolutions.length = j;
    values.length = j;
    if (types !== undefined) types.length = j;
  }
  // One shape whatever the origin (`types` undefined): readers of `defs` see a single hidden class.
  return { names, units, resolutions, values, types };
}

function unitOf(unit: unknown, name: string, issues: DecodeIssues, source: DatumSource, n: number): EmfUnit {
  if (typeof unit === 'string' && isEmfUnit(unit)) return unit;
  reportIssue(issues.warnings, source, 'metric_unit_invalid', `metric "${name}" has Unit ${describeValue(unit)}, not an EMF unit; delivered as None`, n);
  return 'None';
}

function typeOf(type: unknown, name: string, issues: DecodeIssues, source: DatumSource, n: number): DeclaredType | undefined {
  if (isDeclaredType(type)) return type;
  reportIssue(issues.warnings, source, 'metric_type_invalid', `metric "${name}" has Type ${describeValue(type)}, not count, gauge or distribution; its unit decides its type`, n);
  return undefined;
}

function resolutionOf(resolution: unknown, name: string, issues: DecodeIssues, source: DatumSource, n: number): StorageResolution {
  if (resolution === 60 || resolution === 1) return resolution;
  reportIssue(issues.warnings, source, 'metric_storage_resolution_invalid', `metric "${name}" has StorageResolution ${describeValue(resolution)}, not 1 or 60; delivered as 60`, n);
  return 60;
}
