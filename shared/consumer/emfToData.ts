/**
 * One EMF document (parsed from the record) → the metric data CloudWatch would publish from it:
 * one datum per (directive, dimension set, metric definition).
 *
 * This runs on documents our forwarder validated, but also on records written by other
 * producers of the record format, so nothing here trusts the structure: every problem is
 * counted in `issues` with a reason from `reasons.ts` and the rest of the document is kept.
 */
import { EMF_UNIT_SET, type EmfUnit, type StorageResolution } from '../emf/constants.ts';
import type { Tally } from '../tally.ts';
import { toMetricValue } from './metricValue.ts';
import type { DropReason, WarningReason } from './reasons.ts';
import type { DatumSource, MetricDatum } from './types.ts';

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
 * Expands one document into data. Never throws for bad input.
 *
 * @param eventTimestamp the log event's timestamp, used when `_aws.Timestamp` is unusable.
 * @example
 * const data = emfToData(JSON.parse('{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["A"]],"Metrics":[{"Name":"m"}]}]},"A":"x","m":2}'),
 *   source, 1, { dropped: new Tally(), warnings: new Tally() });
 * // → [{ namespace:'N', name:'m', unit:'None', storageResolution:60, dimensions:{A:'x'}, value:{kind:'values', values:[2]}, … }]
 */
export function emfToData(doc: unknown, source: DatumSource, eventTimestamp: number, issues: DecodeIssues): MetricDatum[] {
  const drop = (reason: DropReason, message: string) => report(issues.dropped, source, reason, message);
  const warn = (reason: WarningReason, message: string) => report(issues.warnings, source, reason, message);

  if (!isObject(doc) || !isObject(doc._aws) || !Array.isArray(doc._aws.CloudWatchMetrics)) {
    drop('document_shape_invalid', 'EMF document must be an object whose "_aws.CloudWatchMetrics" is an array');
    return [];
  }
  const root = doc;
  const rawTimestamp = (doc._aws as Json).Timestamp;
  let timestamp = eventTimestamp;
  if (typeof rawTimestamp === 'number' && Number.isFinite(rawTimestamp)) timestamp = rawTimestamp;
  else warn('document_timestamp_invalid', `"_aws.Timestamp" is ${JSON.stringify(rawTimestamp) ?? 'absent'}; using the log event timestamp`);

  const rawDirectives = (doc._aws as Json).CloudWatchMetrics as unknown[];
  const directives: Directive[] = [];
  for (let i = 0; i < rawDirectives.length; i++) {
    const d = readDirective(rawDirectives[i], i, drop);
    if (d) directives.push(d);
  }
  // A member named by any metric definition is a metric value, never a property.
  const metricMembers = new Set<string>();
  for (const d of directives) for (const def of d.definitions) if (isObject(def) && typeof def.Name === 'string') metricMembers.add(def.Name);

  const data: MetricDatum[] = [];
  for (const d of directives) {
    const directiveDimensions = unionDimensions(root, d.sets);
    for (const set of d.sets) {
      let invalid: string | undefined;
      const dimensions: Record<string, string> = {};
      for (const k of set) {
        const v = root[k];
        if (typeof v !== 'string' || v === '') {
          invalid = k;
          break;
        }
        dimensions[k] = v;
      }
      const properties = propertiesOf(root, metricMembers, invalid === undefined ? set : NO_KEYS);
      for (const def of d.definitions) {
        if (!isObject(def) || typeof def.Name !== 'string' || def.Name === '') {
          drop('metric_definition_invalid', `metric definition ${JSON.stringify(def)} in namespace "${d.namespace}" has no non-empty string "Name"`);
          continue;
        }
        const name = def.Name;
        if (!(name in root)) {
          drop('metric_value_missing', `metric "${name}" in namespace "${d.namespace}" has no member in the document`);
          continue;
        }
        const value = toMetricValue(root[name]);
        if (typeof value === 'string') {
          drop('metric_value_invalid', `metric "${name}" in namespace "${d.namespace}": ${value}`);
          continue;
        }
        if (invalid !== undefined) {
          warn('dimension_value_invalid', `dimension "${invalid}" is ${JSON.stringify(root[invalid]) ?? 'absent'}, not a non-empty string; metric "${name}" published without dimensions`);
        }
        data.push({
          namespace: d.namespace,
          name,
          unit: unitOf(def, name, warn),
          storageResolution: resolutionOf(def, name, warn),
          timestamp,
          value,
          dimensions: invalid === undefined ? dimensions : EMPTY,
          directiveDimensions,
          properties,
          source,
        });
      }
    }
  }
  return data;
}

const NO_KEYS: readonly string[] = [];

/** Reporting is the rare path: its context string is built only when something is reported. */
function report(tally: Tally, source: DatumSource, reason: string, message: string): void {
  tally.add(reason, `${message} (logGroup=${source.logGroup} eventId=${source.eventId})`);
}

function readDirective(raw: unknown, i: number, drop: (r: DropReason, m: string, n?: number) => void): Directive | undefined {
  if (!isObject(raw) || typeof raw.Namespace !== 'string' || raw.Namespace === '' || !Array.isArray(raw.Metrics)) {
    drop('directive_invalid', `directive ${i} must have a non-empty string "Namespace" and a "Metrics" array`);
    return undefined;
  }
  if (raw.Dimensions !== undefined && !Array.isArray(raw.Dimensions)) {
    drop('directive_invalid', `directive ${i} ("${raw.Namespace}") has "Dimensions" that is not an array`);
    return undefined;
  }
  // Absent (AWS's OpenTelemetry exporters) or empty `Dimensions`: one set without dimensions.
  const rawSets = raw.Dimensions === undefined || raw.Dimensions.length === 0 ? [[]] : (raw.Dimensions as unknown[]);
  const sets: string[][] = [];
  for (const s of rawSets) {
    if (Array.isArray(s) && s.every((k) => typeof k === 'string' && k !== '')) sets.push(s as string[]);
    else drop('dimension_set_invalid', `dimension set ${JSON.stringify(s)} of namespace "${raw.Namespace}" is not an array of non-empty strings`);
  }
  return { namespace: raw.Namespace, sets, definitions: raw.Metrics as unknown[] };
}

/** The union of every set's dimensions whose value is a usable string (invalid values are left out). */
function unionDimensions(root: Json, sets: readonly string[][]): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const set of sets) for (const k of set) if (typeof root[k] === 'string' && root[k] !== '') out[k] = root[k] as string;
  return out;
}

function propertiesOf(root: Json, metricMembers: ReadonlySet<string>, dimensionKeys: readonly string[]): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const k in root) {
    if (k === '_aws' || metricMembers.has(k) || dimensionKeys.includes(k) || !Object.hasOwn(root, k)) continue;
    out[k] = root[k];
  }
  return out;
}

function unitOf(def: Json, name: string, warn: (r: WarningReason, m: string) => void): EmfUnit {
  if (def.Unit === undefined) return 'None';
  if (typeof def.Unit === 'string' && EMF_UNIT_SET.has(def.Unit)) return def.Unit as EmfUnit;
  warn('metric_unit_invalid', `metric "${name}" has Unit ${JSON.stringify(def.Unit)}, not an EMF unit; delivered as None`);
  return 'None';
}

function resolutionOf(def: Json, name: string, warn: (r: WarningReason, m: string) => void): StorageResolution {
  if (def.StorageResolution === undefined || def.StorageResolution === 60) return 60;
  if (def.StorageResolution === 1) return 1;
  warn('metric_storage_resolution_invalid', `metric "${name}" has StorageResolution ${JSON.stringify(def.StorageResolution)}, not 1 or 60; delivered as 60`);
  return 60;
}
