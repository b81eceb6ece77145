/**
 * One EMF document (parsed from the record) → the metric data CloudWatch would publish from it:
 * one datum per (directive, dimension set, metric definition), held as groups (one per directive
 * and dimension set) so a batch of tens of thousands of data costs a few thousand objects.
 *
 * This runs on documents our forwarder validated, but also on records written by other
 * producers of the record format, so nothing here trusts the structure: every problem is
 * counted in `issues` with a reason from `reasons.ts` and the rest of the document is kept.
 */
import { EMF_LIMITS, isEmfUnit, type EmfUnit, type StorageResolution } from '../emf/constants.ts';
import type { Tally } from '../tally.ts';
import { toMetricValue } from './metricValue.ts';
import type { DropReason, WarningReason } from './reasons.ts';
import type { DatumSource, MetricDatum, MetricValue } from './types.ts';
import { describeValue } from '../describe.ts';
import { metricsDefined } from '../emf/validate.ts';

/** Where a document's problems are counted: `dropped` for lost input, `warnings` for data changed on the way. */
export interface DecodeIssues {
  dropped: Tally;
  warnings: Tally;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Data share these maps (a datum's maps are read-only by contract): no copy per datum. */
const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

interface Directive {
  namespace: string;
  sets: string[][];
  definitions: unknown[];
}

/**
 * The usable metrics of one directive, as parallel arrays (no object per metric: a batch holds
 * tens of thousands of them). Shared by the groups of the directive's dimension sets.
 */
interface MetricDefinitions {
  readonly names: readonly string[];
  readonly units: readonly EmfUnit[];
  readonly resolutions: readonly StorageResolution[];
  readonly values: readonly MetricValue[];
}

/** One (document, directive, dimension set): what its metrics share. `defs.names.length` data. */
export interface MetricGroup {
  readonly namespace: string;
  readonly timestamp: number;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly directiveDimensions: Readonly<Record<string, string>>;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly source: DatumSource;
  readonly defs: MetricDefinitions;
}

/**
 * Checks one document and appends its groups to `out`; returns how many data they hold. Never
 * throws for bad input. Problems are counted as the per-datum view would count them (once per
 * dimension set), so the counts do not depend on how the data are held.
 *
 * @param eventTimestamp the log event's timestamp, used when `_aws.Timestamp` is unusable.
 */
export function emfToGroups(doc: unknown, source: DatumSource, eventTimestamp: number, issues: DecodeIssues, out: { push(g: MetricGroup): unknown }): number {
  if (!isObject(doc) || !isObject(doc._aws) || !Array.isArray(doc._aws.CloudWatchMetrics)) {
    report(issues.dropped, source, 'document_shape_invalid', 'EMF document must be an object whose "_aws.CloudWatchMetrics" is an array');
    return 0;
  }
  const root = doc;
  const rawTimestamp = (doc._aws as Json).Timestamp;
  let timestamp = eventTimestamp;
  if (typeof rawTimestamp === 'number' && Number.isFinite(rawTimestamp)) timestamp = rawTimestamp;
  else report(issues.warnings, source, 'document_timestamp_invalid', `"_aws.Timestamp" is ${describeValue(rawTimestamp)}; using the log event timestamp`);

  const rawDirectives = (doc._aws as Json).CloudWatchMetrics as unknown[];
  const defined = metricsDefined(rawDirectives);
  if (defined > EMF_LIMITS.maxMetricsPerDocument) {
    report(issues.dropped, source, 'document_too_many_metrics', `the document defines ${defined} metrics (dimension sets × metric definitions); the limit is ${EMF_LIMITS.maxMetricsPerDocument}`);
    return 0;
  }
  const directives: Directive[] = [];
  for (let i = 0; i < rawDirectives.length; i++) {
    const d = readDirective(rawDirectives[i], i, issues, source);
    if (d) directives.push(d);
  }
  // The values of the metric members, in definition order, when the members came in that order.
  const memberValues: unknown[] = [];
  const propertyKeys = propertyKeysOf(root, directives, memberValues);
  const inOrder = memberValues.length > 0 ? memberValues : undefined;

  let count = 0;
  let offset = 0;
  for (const d of directives) {
    const first = offset;
    offset += d.definitions.length;
    if (d.sets.length === 0) continue;
    const defs = readDefinitions(root, d, issues, source, inOrder, first);
    const n = defs.names.length;
    // One set (the usual case): the union is that set's dimensions, the same object when they are valid.
    let directiveDimensions = d.sets.length === 1 ? undefined : unionDimensions(root, d.sets);
    for (const set of d.sets) {
      let invalid: string | undefined;
      const dimensions: Record<string, string> = {};
      for (const k of set) {
        const v = own(root, k);
        if (typeof v !== 'string' || v === '') {
          invalid = k;
          break;
        }
        setOwn(dimensions, k, v);
      }
      directiveDimensions ??= invalid === undefined ? dimensions : unionDimensions(root, d.sets);
      if (invalid !== undefined && n > 0) {
        report(issues.warnings, source, 'dimension_value_invalid', `dimension "${invalid}" is ${describeValue(own(root, invalid))}, not a non-empty string; metric "${defs.names[0]}" published without dimensions`, n);
      }
      out.push({
        namespace: d.namespace,
        timestamp,
        dimensions: invalid === undefined ? dimensions : EMPTY,
        directiveDimensions,
        properties: propertiesOf(root, propertyKeys, invalid === undefined ? set : NO_KEYS),
        source,
        defs,
      });
      count += n;
    }
  }
  return count;
}

/** Appends the data of `g` to `out` as separate objects (for code that keeps data; the batches avoid it). */
export function expandGroup(g: MetricGroup, out: MetricDatum[], from = 0, to = g.defs.names.length): void {
  const { names, units, resolutions, values } = g.defs;
  for (let i = from; i < to; i++) {
    out.push({
      namespace: g.namespace, name: names[i]!, unit: units[i]!, storageResolution: resolutions[i]!, timestamp: g.timestamp,
      value: values[i]!, dimensions: g.dimensions, directiveDimensions: g.directiveDimensions, properties: g.properties, source: g.source,
    });
  }
}

/**
 * Expands one document into data: one datum per (directive, dimension set, metric definition).
 * Never throws for bad input.
 *
 * @example
 * const data = emfToData(JSON.parse('{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["A"]],"Metrics":[{"Name":"m"}]}]},"A":"x","m":2}'),
 *   source, 1, { dropped: new Tally(), warnings: new Tally() });
 * // → [{ namespace:'N', name:'m', unit:'None', storageResolution:60, dimensions:{A:'x'}, value:2, … }]
 */
export function emfToData(doc: unknown, source: DatumSource, eventTimestamp: number, issues: DecodeIssues): MetricDatum[] {
  const groups: MetricGroup[] = [];
  emfToGroups(doc, source, eventTimestamp, issues, groups);
  const data: MetricDatum[] = [];
  for (const g of groups) expandGroup(g, data);
  return data;
}

/**
 * The root members that are properties unless a dimension set claims them: every member but `_aws`
 * and the metric members (a member named by any metric definition is a metric value, never a
 * property). Producers write the metric members in the order of their definitions (every document
 * of both producer libraries does), so one pass with a cursor over the definitions finds them
 * without hashing a name, and `memberValues` gets their values in definition order. Only when some
 * definition was not met in that order are the remaining members checked against every definition
 * (and `memberValues` is left empty).
 */
function propertyKeysOf(root: Json, directives: readonly Directive[], memberValues: unknown[]): string[] {
  const keys: string[] = [];
  let di = 0;
  let mi = 0;
  let definitions = 0;
  for (const d of directives) definitions += d.definitions.length;
  for (const k in root) {
    if (k === '_aws' || !Object.hasOwn(root, k)) continue;
    while (di < directives.length && mi >= directives[di]!.definitions.length) {
      di++;
      mi = 0;
    }
    if (di < directives.length) {
      const def = directives[di]!.definitions[mi];
      if (isObject(def) && def.Name === k) {
        mi++;
        memberValues.push(root[k]);
        continue;
      }
    }
    keys.push(k);
  }
  // Every definition met in order, each by a member of its own: no other member can be a metric member.
  if (memberValues.length === definitions) return keys;
  memberValues.length = 0; // not in definition order: the values are looked up by name instead
  // Documents define a handful of metrics, so a scan of the definitions is cheaper than a set, up to a point.
  const metricNames = definitions > SCAN_LIMIT ? metricNameSet(directives) : undefined;
  return keys.filter((k) => (metricNames === undefined ? !namesMetric(directives, k) : !metricNames.has(k)));
}

/** Past this many metric definitions in a document, metric members are looked up in a set. */
const SCAN_LIMIT = 16;

function namesMetric(directives: readonly Directive[], k: string): boolean {
  for (const d of directives) {
    for (const def of d.definitions) if (isObject(def) && def.Name === k) return true;
  }
  return false;
}

function metricNameSet(directives: readonly Directive[]): Set<string> {
  const names = new Set<string>();
  for (const d of directives) for (const def of d.definitions) if (isObject(def) && typeof def.Name === 'string') names.add(def.Name);
  return names;
}

/**
 * The usable definitions of a directive; a problem counts once per dimension set, as it loses (or changes) one datum per set.
 * The arrays are allocated at their final size (growing them by `push` cost a third of this function's allocation).
 */
function readDefinitions(root: Json, d: Directive, issues: DecodeIssues, source: DatumSource, memberValues: readonly unknown[] | undefined, first: number): MetricDefinitions {
  const perSet = d.sets.length;
  const m = d.definitions.length;
  const names = new Array<string>(m);
  const units = new Array<EmfUnit>(m);
  const resolutions = new Array<StorageResolution>(m);
  const values = new Array<MetricValue>(m);
  let j = 0;
  for (let i = 0; i < m; i++) {
    const def = d.definitions[i];
    if (!isObject(def) || typeof def.Name !== 'string' || def.Name === '') {
      report(issues.dropped, source, 'metric_definition_invalid', `metric definition ${describeValue(def)} in namespace "${d.namespace}" has no non-empty string "Name"`, perSet);
      continue;
    }
    const name = def.Name;
    // Read in the members' pass when they came in definition order (no lookup by a fresh name string).
    const raw = memberValues === undefined ? own(root, name) : memberValues[first + i];
    // JSON has no `undefined`: an undefined member is a missing one.
    if (raw === undefined) {
      report(issues.dropped, source, 'metric_value_missing', `metric "${name}" in namespace "${d.namespace}" has no member in the document`, perSet);
      continue;
    }
    const value = toMetricValue(raw);
    if (typeof value === 'string') {
      report(issues.dropped, source, 'metric_value_invalid', `metric "${name}" in namespace "${d.namespace}": ${value}`, perSet);
      continue;
    }
    names[j] = name;
    units[j] = def.Unit === undefined ? 'None' : unitOf(def.Unit, name, issues, source, perSet);
    resolutions[j] = def.StorageResolution === undefined ? 60 : resolutionOf(def.StorageResolution, name, issues, source, perSet);
    values[j] = value;
    j++;
  }
  if (j < m) {
    names.length = j;
    units.length = j;
    resolutions.length = j;
    values.length = j;
  }
  return { names, units, resolutions, values };
}

const NO_KEYS: readonly string[] = [];

/** Reporting is the rare path: its context string is built only when something is reported. */
function report(tally: Tally, source: DatumSource, reason: DropReason | WarningReason, message: string, n = 1): void {
  tally.add(reason, `${message} (logGroup=${source.logGroup} eventId=${source.eventId})`, n);
}

function readDirective(raw: unknown, i: number, issues: DecodeIssues, source: DatumSource): Directive | undefined {
  if (!isObject(raw) || typeof raw.Namespace !== 'string' || raw.Namespace === '' || !Array.isArray(raw.Metrics)) {
    report(issues.dropped, source, 'directive_invalid', `directive ${i} must have a non-empty string "Namespace" and a "Metrics" array`);
    return undefined;
  }
  if (raw.Dimensions !== undefined && !Array.isArray(raw.Dimensions)) {
    report(issues.dropped, source, 'directive_invalid', `directive ${i} ("${raw.Namespace}") has "Dimensions" that is not an array`);
    return undefined;
  }
  // Absent (AWS's OpenTelemetry exporters) or empty `Dimensions`: one set without dimensions.
  const rawSets = raw.Dimensions === undefined || raw.Dimensions.length === 0 ? [[]] : (raw.Dimensions as unknown[]);
  const sets: string[][] = [];
  for (const s of rawSets) {
    if (isKeyList(s)) sets.push(s);
    else report(issues.dropped, source, 'dimension_set_invalid', `dimension set ${describeValue(s)} of namespace "${raw.Namespace}" is not an array of non-empty strings`);
  }
  return { namespace: raw.Namespace, sets, definitions: raw.Metrics as unknown[] };
}

function isKeyList(s: unknown): s is string[] {
  if (!Array.isArray(s)) return false;
  for (let i = 0; i < s.length; i++) if (typeof s[i] !== 'string' || s[i] === '') return false;
  return true;
}

/** The union of every set's dimensions whose value is a usable string (invalid values are left out). */
function unionDimensions(root: Json, sets: readonly string[][]): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const set of sets) {
    for (const k of set) {
      const v = own(root, k);
      if (typeof v === 'string' && v !== '') setOwn(out, k, v);
    }
  }
  return out;
}

/** `root[k]` if `root` has it as its own member: a key from a document never reaches `Object.prototype` (`constructor`, `__proto__`). */
function own(root: Json, k: string): unknown {
  return Object.hasOwn(root, k) ? root[k] : undefined;
}

/**
 * `obj[k] = v` for a key from a document: the key `__proto__` becomes an own member like any other,
 * instead of calling the prototype setter (which would drop a string value and let an object value
 * replace the prototype, so that `properties.Team` could read a value no member holds).
 */
function setOwn<T>(obj: Record<string, T>, k: string, v: T): void {
  if (k === '__proto__') Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[k] = v;
}

function propertiesOf(root: Json, propertyKeys: readonly string[], dimensionKeys: readonly string[]): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const k of propertyKeys) if (!dimensionKeys.includes(k)) setOwn(out, k, root[k]);
  return out;
}

function unitOf(unit: unknown, name: string, issues: DecodeIssues, source: DatumSource, n: number): EmfUnit {
  if (typeof unit === 'string' && isEmfUnit(unit)) return unit;
  report(issues.warnings, source, 'metric_unit_invalid', `metric "${name}" has Unit ${describeValue(unit)}, not an EMF unit; delivered as None`, n);
  return 'None';
}

function resolutionOf(resolution: unknown, name: string, issues: DecodeIssues, source: DatumSource, n: number): StorageResolution {
  if (resolution === 60 || resolution === 1) return resolution;
  report(issues.warnings, source, 'metric_storage_resolution_invalid', `metric "${name}" has StorageResolution ${describeValue(resolution)}, not 1 or 60; delivered as 60`, n);
  return 60;
}
