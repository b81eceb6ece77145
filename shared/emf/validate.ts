/**
 * Validation against the current EMF specification
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * A document either passes whole or is rejected with the first rule it breaks; the reasons are
 * stable strings used as counter keys (docs/architecture.md#the-forwarder-functionsforwarder).
 */
import { EMF_LIMITS, isEmfUnit } from './constants.ts';
import { describeValue } from '../describe.ts';

export interface ValidationProblem {
  reason: string;
  detail: string;
}

const VALIDATION_REASONS = [
  'aws_invalid', 'timestamp_invalid', 'directives_invalid', 'namespace_invalid', 'dimensions_invalid',
  'too_many_dimensions', 'dimension_missing', 'dimension_value_not_string', 'dimension_value_too_long',
  'metrics_invalid', 'too_many_metrics', 'metric_name_invalid', 'metric_missing', 'metric_value_invalid',
  'too_many_values', 'unit_invalid', 'storage_resolution_invalid', 'document_too_many_metrics',
] as const;
type ValidationReason = (typeof VALIDATION_REASONS)[number];

const problem = (reason: ValidationReason, detail: string): ValidationProblem => ({ reason, detail });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isName(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length >= 1 && v.length <= max;
}

/**
 * Returns the first problem found, or undefined when `doc` is a valid EMF document.
 *
 * On the forwarder's hot path (every EMF document, about eight metric definitions each): the walk
 * allocates nothing for a valid document. Paths such as `CloudWatchMetrics[0].Metrics[3]` are built
 * only when a problem is reported, from the indexes.
 */
export function validateEmf(doc: Record<string, unknown>): ValidationProblem | undefined {
  const aws = doc._aws;
  if (!isObject(aws)) return problem('aws_invalid', '_aws must be an object');
  const timestamp = aws.Timestamp;
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    return problem('timestamp_invalid', `_aws.Timestamp must be an integer number of milliseconds, got ${describeValue(timestamp)}`);
  }
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives)) return problem('directives_invalid', '_aws.CloudWatchMetrics must be an array');
  // Counted before anything is walked: a document that would amplify into more data than CloudWatch takes at once.
  const metrics = metricsDefined(directives);
  if (metrics > EMF_LIMITS.maxMetricsPerDocument) {
    return problem('document_too_many_metrics', `the document defines ${metrics} metrics (dimension sets × metric definitions); the limit is ${EMF_LIMITS.maxMetricsPerDocument}`);
  }
  for (let d = 0; d < directives.length; d++) {
    const p = validateDirective(doc, directives[d], d);
    if (p) return p;
  }
  return undefined;
}

/**
 * Dimension sets × metric definitions, summed over the directives (a missing or empty `Dimensions` is one
 * set); what is not an array counts as nothing here, and is reported by the checks that follow.
 */
export function metricsDefined(directives: readonly unknown[]): number {
  let n = 0;
  for (const d of directives) {
    if (!isObject(d) || !Array.isArray(d.Metrics)) continue;
    const sets = Array.isArray(d.Dimensions) ? Math.max(1, d.Dimensions.length) : 1;
    n += sets * d.Metrics.length;
  }
  return n;
}

const directiveAt = (d: number): string => `CloudWatchMetrics[${d}]`;
const metricAt = (d: number, m: number): string => `CloudWatchMetrics[${d}].Metrics[${m}]`;

function validateDirective(doc: Record<string, unknown>, directive: unknown, d: number): ValidationProblem | undefined {
  if (!isObject(directive)) return problem('directives_invalid', `${directiveAt(d)} must be an object`);
  if (!isName(directive.Namespace, EMF_LIMITS.maxNameLength)) {
    return problem('namespace_invalid', `${directiveAt(d)}.Namespace must be a string of 1 to ${EMF_LIMITS.maxNameLength} characters`);
  }
  // AWS's OpenTelemetry EMF exporters omit Dimensions for metrics without dimensions: read as one empty set.
  const dimensions = directive.Dimensions;
  if (dimensions !== undefined) {
    const p = validateDimensions(doc, dimensions, d);
    if (p) return p;
  }
  const metrics = directive.Metrics;
  if (!Array.isArray(metrics)) return problem('metrics_invalid', `${directiveAt(d)}.Metrics must be an array`);
  if (metrics.length > EMF_LIMITS.maxMetricsPerDirective) {
    return problem('too_many_metrics', `${directiveAt(d)}.Metrics has ${metrics.length} definitions; the limit is ${EMF_LIMITS.maxMetricsPerDirective}`);
  }
  for (let m = 0; m < metrics.length; m++) {
    const p = validateMetric(doc, metrics[m], d, m);
    if (p) return p;
  }
  return undefined;
}

function validateDimensions(doc: Record<string, unknown>, sets: unknown, d: number): ValidationProblem | undefined {
  if (!Array.isArray(sets)) return problem('dimensions_invalid', `${directiveAt(d)}.Dimensions must be an array of dimension sets`);
  for (let s = 0; s < sets.length; s++) {
    const set: unknown = sets[s];
    if (!Array.isArray(set)) return problem('dimensions_invalid', `${directiveAt(d)}.Dimensions[${s}] must be an array of strings`);
    if (set.length > EMF_LIMITS.maxDimensionsPerSet) {
      return problem('too_many_dimensions', `${directiveAt(d)}.Dimensions[${s}] has ${set.length} keys; the limit is ${EMF_LIMITS.maxDimensionsPerSet}`);
    }
    for (let k = 0; k < set.length; k++) {
      const key: unknown = set[k];
      if (!isName(key, EMF_LIMITS.maxDimensionKeyLength)) {
        return problem('dimensions_invalid', `${directiveAt(d)}.Dimensions[${s}] holds ${describeValue(key)}; keys are strings of 1 to ${EMF_LIMITS.maxDimensionKeyLength} characters`);
      }
      if (!Object.hasOwn(doc, key)) return problem('dimension_missing', `dimension "${key}" names no root member`);
      const value = doc[key];
      if (typeof value !== 'string') {
        return problem('dimension_value_not_string', `dimension "${key}" has a ${value === null ? 'null' : typeof value} value; dimension values must be strings`);
      }
      if (value.length > EMF_LIMITS.maxDimensionValueLength) {
        return problem('dimension_value_too_long', `dimension "${key}" is ${value.length} characters; the limit is ${EMF_LIMITS.maxDimensionValueLength}`);
      }
    }
  }
  return undefined;
}

function validateMetric(doc: Record<string, unknown>, def: unknown, d: number, m: number): ValidationProblem | undefined {
  if (!isObject(def)) return problem('metrics_invalid', `${metricAt(d, m)} must be an object`);
  const name = def.Name;
  if (!isName(name, EMF_LIMITS.maxNameLength)) {
    return problem('metric_name_invalid', `${metricAt(d, m)}.Name must be a string of 1 to ${EMF_LIMITS.maxNameLength} characters`);
  }
  const unit = def.Unit;
  if (unit !== undefined && (typeof unit !== 'string' || !isEmfUnit(unit))) {
    return problem('unit_invalid', `${metricAt(d, m)}.Unit ${describeValue(unit)} is not a CloudWatch unit`);
  }
  const resolution = def.StorageResolution;
  if (resolution !== undefined && resolution !== 1 && resolution !== 60) {
    return problem('storage_resolution_invalid', `${metricAt(d, m)}.StorageResolution must be 1 or 60, got ${describeValue(resolution)}`);
  }
  if (!Object.hasOwn(doc, name)) return problem('metric_missing', `metric "${name}" names no root member`);
  return validateMetricValue(doc[name], name);
}

function allFiniteNumbers(a: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  }
  return true;
}

function validateMetricValue(value: unknown, name: string): ValidationProblem | undefined {
  if (isFiniteNumber(value)) return undefined;
  if (Array.isArray(value)) {
    if (value.length > EMF_LIMITS.maxValuesPerMetric) {
      return problem('too_many_values', `metric "${name}" has ${value.length} values; the limit is ${EMF_LIMITS.maxValuesPerMetric}`);
    }
    if (value.length === 0 || !allFiniteNumbers(value)) {
      return problem('metric_value_invalid', `metric "${name}" must be a non-empty array of numbers`);
    }
    return undefined;
  }
  if (isObject(value)) return validateStatisticSet(value, name);
  return problem('metric_value_invalid', `metric "${name}" has a ${value === null ? 'null' : typeof value} value; expected a number, an array of numbers or a statistic set`);
}

const STATISTIC_FIELDS = ['Sum', 'Min', 'Max', 'Count'] as const;

function allCounts(a: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const c = a[i];
    if (typeof c !== 'number' || !Number.isFinite(c) || c < 0) return false;
  }
  return true;
}

/** `{Values?, Counts?, Sum, Min, Max, Count}` as written by AWS's OpenTelemetry EMF exporters. */
function validateStatisticSet(v: Record<string, unknown>, name: string): ValidationProblem | undefined {
  for (let i = 0; i < STATISTIC_FIELDS.length; i++) {
    const k = STATISTIC_FIELDS[i]!;
    if (!isFiniteNumber(v[k])) return problem('metric_value_invalid', `statistic set "${name}" needs a numeric ${k}`);
  }
  if (v.Values === undefined && v.Counts === undefined) return undefined;
  const { Values: values, Counts: counts } = v;
  if (!Array.isArray(values) || !Array.isArray(counts) || values.length !== counts.length) {
    return problem('metric_value_invalid', `statistic set "${name}" needs Values and Counts arrays of equal length`);
  }
  if (values.length > EMF_LIMITS.maxValuesPerMetric) {
    return problem('too_many_values', `statistic set "${name}" has ${values.length} values; the limit is ${EMF_LIMITS.maxValuesPerMetric}`);
  }
  if (!allFiniteNumbers(values) || !allCounts(counts)) {
    return problem('metric_value_invalid', `statistic set "${name}" Values must be numbers and Counts non-negative numbers`);
  }
  return undefined;
}
