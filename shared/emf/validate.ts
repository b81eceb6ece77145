/**
 * Validation against the current EMF specification
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * A document either passes whole or is rejected with the first rule it breaks; the reasons are
 * stable strings used as counter keys (README: "Validation rules").
 */
import { EMF_LIMITS, EMF_UNIT_SET } from './constants.ts';

export interface ValidationProblem {
  reason: string;
  detail: string;
}

export const VALIDATION_REASONS = [
  'aws_invalid', 'timestamp_invalid', 'directives_invalid', 'namespace_invalid', 'dimensions_invalid',
  'too_many_dimensions', 'dimension_missing', 'dimension_value_not_string', 'dimension_value_too_long',
  'metrics_invalid', 'too_many_metrics', 'metric_name_invalid', 'metric_missing', 'metric_value_invalid',
  'too_many_values', 'unit_invalid', 'storage_resolution_invalid',
] as const;
export type ValidationReason = (typeof VALIDATION_REASONS)[number];

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

/** Returns the first problem found, or undefined when `doc` is a valid EMF document. */
export function validateEmf(doc: Record<string, unknown>): ValidationProblem | undefined {
  const aws = doc._aws;
  if (!isObject(aws)) return problem('aws_invalid', '_aws must be an object');
  if (typeof aws.Timestamp !== 'number' || !Number.isSafeInteger(aws.Timestamp) || aws.Timestamp < 0) {
    return problem('timestamp_invalid', `_aws.Timestamp must be an integer number of milliseconds, got ${JSON.stringify(aws.Timestamp)}`);
  }
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives)) return problem('directives_invalid', '_aws.CloudWatchMetrics must be an array');
  for (let d = 0; d < directives.length; d++) {
    const p = validateDirective(doc, directives[d], d);
    if (p) return p;
  }
  return undefined;
}

function validateDirective(doc: Record<string, unknown>, directive: unknown, d: number): ValidationProblem | undefined {
  const at = `CloudWatchMetrics[${d}]`;
  if (!isObject(directive)) return problem('directives_invalid', `${at} must be an object`);
  if (!isName(directive.Namespace, EMF_LIMITS.maxNameLength)) {
    return problem('namespace_invalid', `${at}.Namespace must be a string of 1 to ${EMF_LIMITS.maxNameLength} characters`);
  }
  // AWS's OpenTelemetry EMF exporters omit Dimensions for metrics without dimensions: read as one empty set.
  if (directive.Dimensions !== undefined) {
    const p = validateDimensions(doc, directive.Dimensions, at);
    if (p) return p;
  }
  const metrics = directive.Metrics;
  if (!Array.isArray(metrics)) return problem('metrics_invalid', `${at}.Metrics must be an array`);
  if (metrics.length > EMF_LIMITS.maxMetricsPerDirective) {
    return problem('too_many_metrics', `${at}.Metrics has ${metrics.length} definitions; the limit is ${EMF_LIMITS.maxMetricsPerDirective}`);
  }
  for (let m = 0; m < metrics.length; m++) {
    const p = validateMetric(doc, metrics[m], `${at}.Metrics[${m}]`);
    if (p) return p;
  }
  return undefined;
}

function validateDimensions(doc: Record<string, unknown>, sets: unknown, at: string): ValidationProblem | undefined {
  if (!Array.isArray(sets)) return problem('dimensions_invalid', `${at}.Dimensions must be an array of dimension sets`);
  for (let s = 0; s < sets.length; s++) {
    const set = sets[s];
    if (!Array.isArray(set)) return problem('dimensions_invalid', `${at}.Dimensions[${s}] must be an array of strings`);
    if (set.length > EMF_LIMITS.maxDimensionsPerSet) {
      return problem('too_many_dimensions', `${at}.Dimensions[${s}] has ${set.length} keys; the limit is ${EMF_LIMITS.maxDimensionsPerSet}`);
    }
    for (const key of set) {
      if (!isName(key, EMF_LIMITS.maxDimensionKeyLength)) {
        return problem('dimensions_invalid', `${at}.Dimensions[${s}] holds ${JSON.stringify(key)}; keys are strings of 1 to ${EMF_LIMITS.maxDimensionKeyLength} characters`);
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

function validateMetric(doc: Record<string, unknown>, def: unknown, at: string): ValidationProblem | undefined {
  if (!isObject(def)) return problem('metrics_invalid', `${at} must be an object`);
  if (!isName(def.Name, EMF_LIMITS.maxNameLength)) {
    return problem('metric_name_invalid', `${at}.Name must be a string of 1 to ${EMF_LIMITS.maxNameLength} characters`);
  }
  if (def.Unit !== undefined && (typeof def.Unit !== 'string' || !EMF_UNIT_SET.has(def.Unit))) {
    return problem('unit_invalid', `${at}.Unit ${JSON.stringify(def.Unit)} is not a CloudWatch unit`);
  }
  if (def.StorageResolution !== undefined && def.StorageResolution !== 1 && def.StorageResolution !== 60) {
    return problem('storage_resolution_invalid', `${at}.StorageResolution must be 1 or 60, got ${JSON.stringify(def.StorageResolution)}`);
  }
  if (!Object.hasOwn(doc, def.Name)) return problem('metric_missing', `metric "${def.Name}" names no root member`);
  return validateMetricValue(doc[def.Name], def.Name);
}

function validateMetricValue(value: unknown, name: string): ValidationProblem | undefined {
  if (isFiniteNumber(value)) return undefined;
  if (Array.isArray(value)) {
    if (value.length > EMF_LIMITS.maxValuesPerMetric) {
      return problem('too_many_values', `metric "${name}" has ${value.length} values; the limit is ${EMF_LIMITS.maxValuesPerMetric}`);
    }
    if (value.length === 0 || !value.every(isFiniteNumber)) {
      return problem('metric_value_invalid', `metric "${name}" must be a non-empty array of numbers`);
    }
    return undefined;
  }
  if (isObject(value)) return validateStatisticSet(value, name);
  return problem('metric_value_invalid', `metric "${name}" has a ${value === null ? 'null' : typeof value} value; expected a number, an array of numbers or a statistic set`);
}

/** `{Values?, Counts?, Sum, Min, Max, Count}` as written by AWS's OpenTelemetry EMF exporters. */
function validateStatisticSet(v: Record<string, unknown>, name: string): ValidationProblem | undefined {
  for (const k of ['Sum', 'Min', 'Max', 'Count'] as const) {
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
  if (!values.every(isFiniteNumber) || !counts.every((c) => isFiniteNumber(c) && c >= 0)) {
    return problem('metric_value_invalid', `statistic set "${name}" Values must be numbers and Counts non-negative numbers`);
  }
  return undefined;
}
