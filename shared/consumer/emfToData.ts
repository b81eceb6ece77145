/**
 * One EMF document (parsed from the record) → the metric data CloudWatch would publish from it:
 * one datum per (directive, dimension set, metric definition), held as groups (one per directive
 * and dimension set) so a batch of tens of thousands of data costs a few thousand objects.
 *
 * This runs on documents our forwarder validated, but also on records written by other
 * producers of the record format, so nothing here trusts the structure: every problem is
 * counted in `issues` with a reason from `reasons.ts` and the rest of the document is kept.
 * The declarations (`_aws.CloudWatchMetrics`) are checked in `emfDirectives.ts`, the root members
 * (metric values, dimensions, properties) read in `emfMembers.ts`; this file walks the document.
 */
import { EMF_LIMITS } from '../emf/constants.ts';
import { describeValue } from '../describe.ts';
import { metricsDefined } from '../emf/validate.ts';
import { readDefinitions, readDirective, type Directive, type MetricDefinitions } from './emfDirectives.ts';
import { isObject, own, propertiesOf, propertyKeysOf, setOwn, unionDimensions, type Json } from './emfMembers.ts';
import { reportIssue, type DecodeIssues } from './reasons.ts';
import type { DatumSource, MetricDatum } from './types.ts';

/** Data share these maps (a datum's maps are read-only by contract): no copy per datum. */
const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

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
    reportIssue(issues.dropped, source, 'document_shape_invalid', 'EMF document must be an object whose "_aws.CloudWatchMetrics" is an array');
    return 0;
  }
  const root = doc;
  const rawTimestamp = (doc._aws as Json).Timestamp;
  let timestamp = eventTimestamp;
  if (typeof rawTimestamp === 'number' && Number.isFinite(rawTimestamp)) timestamp = rawTimestamp;
  else reportIssue(issues.warnings, source, 'document_timestamp_invalid', `"_aws.Timestamp" is ${describeValue(rawTimestamp)}; using the log event timestamp`);

  const rawDirectives = (doc._aws as Json).CloudWatchMetrics as unknown[];
  const defined = metricsDefined(rawDirectives);
  if (defined > EMF_LIMITS.maxMetricsPerDocument) {
    reportIssue(issues.dropped, source, 'document_too_many_metrics', `the document defines ${defined} metrics (dimension sets × metric definitions); the limit is ${EMF_LIMITS.maxMetricsPerDocument}`);
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
        reportIssue(issues.warnings, source, 'dimension_value_invalid', `dimension "${invalid}" is ${describeValue(own(root, invalid))}, not a non-empty string; metric "${defs.names[0]}" published without dimensions`, n);
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

/** Appends the data of `g` to `out` as separate objects (what a plain `Provider` gets; a streaming one reads the group in place). */
export function expandGroup(g: MetricGroup, out: MetricDatum[], from = 0, to = g.defs.names.length): void {
  const { names, units, resolutions, values, types } = g.defs;
  for (let i = from; i < to; i++) {
    out.push({
      namespace: g.namespace, name: names[i]!, unit: units[i]!, storageResolution: resolutions[i]!, type: types === undefined ? undefined : types[i], timestamp: g.timestamp,
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

const NO_KEYS: readonly string[] = [];
