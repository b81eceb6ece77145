/**
 * Turns one EMF metric member into a `MetricValue`, or says why it cannot.
 * Kept apart from the document walk because the value shapes (number, array, statistic set)
 * are the part most likely to grow: AWS's OpenTelemetry exporters already write an
 * undocumented object shape (emf-facts.md §1.4).
 */
import type { MetricValue, StatisticSet } from './types.ts';

/** Either the value or, as a string, a human-readable reason it was rejected (no wrapper object: this runs once per datum). */
export type MetricValueResult = MetricValue | string;

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function numberArray(v: unknown): number[] | undefined {
  if (!Array.isArray(v)) return undefined;
  for (let i = 0; i < v.length; i++) if (!isFiniteNumber(v[i])) return undefined;
  return v as number[];
}

/**
 * - number → itself (one observation);
 * - array of numbers → itself, one observation per element (an empty array is rejected: it observes nothing);
 * - `{Values?,Counts?,Sum,Min,Max,Count}` → a statistic set whose sample count is `sum(Counts)`
 *   when `Counts` is present (CloudWatch ignores `Count` then), else `Count`.
 *
 * @example
 * toMetricValue(3)                                   // 3
 * toMetricValue({Sum:6, Min:1, Max:5, Count:3})      // {sum:6, min:1, max:5, count:3}
 * toMetricValue('3')                                 // 'value is string, not …'
 */
export function toMetricValue(raw: unknown): MetricValueResult {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : `value is ${raw}, not a finite number`;
  if (Array.isArray(raw)) {
    const values = numberArray(raw);
    if (values === undefined) return 'array contains a value that is not a finite number';
    if (values.length === 0) return 'array is empty';
    return values;
  }
  if (typeof raw === 'object' && raw !== null) return toStatistics(raw as Record<string, unknown>);
  return `value is ${raw === null ? 'null' : typeof raw}, not a number, an array of numbers or a statistic set`;
}

function toStatistics(o: Record<string, unknown>): MetricValueResult {
  for (const k of ['Sum', 'Min', 'Max', 'Count'] as const) {
    if (!isFiniteNumber(o[k])) return `statistic set field "${k}" is not a finite number`;
  }
  const sum = o.Sum as number;
  const min = o.Min as number;
  const max = o.Max as number;
  if (min > max) return `statistic set has Min ${min} greater than Max ${max}`;
  const values = o.Values === undefined ? undefined : numberArray(o.Values);
  const counts = o.Counts === undefined ? undefined : numberArray(o.Counts);
  if (o.Values !== undefined && values === undefined) return 'statistic set "Values" is not an array of finite numbers';
  if (o.Counts !== undefined && counts === undefined) return 'statistic set "Counts" is not an array of finite numbers';
  if (counts !== undefined && counts.some((c) => c < 0)) return 'statistic set "Counts" has a negative count';
  if (counts !== undefined && (values === undefined || values.length !== counts.length)) {
    return 'statistic set "Counts" must come with a "Values" array of the same length';
  }
  const count = counts !== undefined ? counts.reduce((a, b) => a + b, 0) : (o.Count as number);
  if (count < 0) return `statistic set has a negative Count ${count}`;
  const value: StatisticSet = {
    sum,
    min,
    max,
    count,
    ...(values !== undefined ? { values } : {}),
    ...(counts !== undefined ? { counts } : {}),
  };
  return value;
}
