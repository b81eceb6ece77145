/**
 * EMF → Prometheus names. Pure functions, documented as a table in docs/prometheus.md#names:
 *
 *   metric name = [prefix_][namespace_]metric[_unit]      e.g. MyApp / Latency (Milliseconds) → my_app_latency_seconds
 *   label name  = dimension key / property key, sanitised  e.g. FunctionName → function_name
 *
 * Values are converted to base units where the unit is converted (ms → seconds ÷1000), and the
 * unit suffix always states the unit of the value sent: no value changes without its name saying so.
 */
import type { EmfUnit } from '../../../shared/emf/constants.ts';
import type { NameCase } from './config.ts';

/** How a CloudWatch unit maps: the name suffix and the factor `value * mul / div` (division keeps ms → s exact). */
export interface UnitMapping {
  readonly suffix: string;
  readonly mul: number;
  readonly div: number;
}

const PREFIX_POWER = { '': 0, Kilo: 1, Mega: 2, Giga: 3, Tera: 4 } as const;

/**
 * The unit table. Kilo/Mega/Giga/Tera use `base` (1024 by default: AWS's own producers mean
 * binary units, e.g. Lambda's "Memory Size: 128 MB" is 128 MiB). Bits become bytes (÷8).
 * Percent keeps its value (`_percent`, not a 0–1 ratio); Count and None get no suffix.
 */
export function unitMapping(unit: EmfUnit, base: 1024 | 1000): UnitMapping {
  switch (unit) {
    case 'Seconds': return { suffix: 'seconds', mul: 1, div: 1 };
    case 'Milliseconds': return { suffix: 'seconds', mul: 1, div: 1_000 };
    case 'Microseconds': return { suffix: 'seconds', mul: 1, div: 1_000_000 };
    case 'Percent': return { suffix: 'percent', mul: 1, div: 1 };
    case 'Count': return { suffix: '', mul: 1, div: 1 };
    case 'Count/Second': return { suffix: 'per_second', mul: 1, div: 1 };
    case 'None': return { suffix: '', mul: 1, div: 1 };
  }
  const m = /^(|Kilo|Mega|Giga|Tera)(bytes|bits|Bytes|Bits)(\/Second)?$/.exec(unit);
  if (m === null) return { suffix: '', mul: 1, div: 1 };
  const power = PREFIX_POWER[m[1] as keyof typeof PREFIX_POWER];
  const bits = m[2]!.toLowerCase() === 'bits';
  return {
    suffix: m[3] === undefined ? 'bytes' : 'bytes_per_second',
    mul: base ** power,
    div: bits ? 8 : 1,
  };
}

/** Applies a unit mapping to a value. */
export function convertValue(v: number, m: UnitMapping): number {
  if (m.mul !== 1) v *= m.mul;
  if (m.div !== 1) v /= m.div;
  return v;
}

/** `ProcessingLatency` → `processing_latency`, `HTTPCode` → `http_code`. */
function toSnakeCase(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** One name part: case applied, every run of characters outside [a-zA-Z0-9_] (and of `_`) → one `_`, no `_` at the ends. */
function sanitisePart(s: string, nameCase: NameCase): string {
  const cased = nameCase === 'snake' ? toSnakeCase(s) : s;
  return cased.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/**
 * The metric name of an EMF metric (before a statistic suffix such as `_sum`). Matches
 * `[a-zA-Z_][a-zA-Z0-9_]*` (`:` is never produced: Prometheus reserves it for recording rules).
 * The unit suffix is not repeated when the name already ends with it (`DurationSeconds` → `duration_seconds`).
 */
export function metricName(parts: { prefix: string; namespace: string | undefined; name: string; unitSuffix: string; nameCase: NameCase }): string {
  const pieces: string[] = [];
  if (parts.prefix !== '') pieces.push(parts.prefix.replace(/_+$/, ''));
  if (parts.namespace !== undefined) {
    const ns = sanitisePart(parts.namespace, parts.nameCase);
    if (ns !== '') pieces.push(ns);
  }
  const n = sanitisePart(parts.name, parts.nameCase);
  if (n !== '') pieces.push(n);
  let out = pieces.join('_');
  if (out === '') out = 'unnamed';
  if (parts.unitSuffix !== '' && out !== parts.unitSuffix && !out.endsWith(`_${parts.unitSuffix}`)) out += `_${parts.unitSuffix}`;
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

/**
 * A label name from a dimension/property key: matches `[a-zA-Z_][a-zA-Z0-9_]*` and never starts
 * with `__` (reserved by Prometheus: a dimension called `__name__` must not replace the metric name).
 * A key with no usable character becomes `label`.
 */
export function labelName(key: string, nameCase: NameCase): string {
  const s = sanitisePart(key, nameCase);
  if (s === '') return 'label';
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/**
 * Assigns label names to keys deterministically: keys are taken in code-point order of the
 * original key, a name already taken (by `reserved` or an earlier key) gets `_2`, `_3`, …
 * Returns `[key, labelName]` pairs in key order.
 */
export function assignLabelNames(keys: readonly string[], reserved: ReadonlySet<string>, nameCase: NameCase): [string, string][] {
  const taken = new Set(reserved);
  const sorted = [...keys].sort(compareStrings);
  const out: [string, string][] = [];
  for (const key of sorted) {
    const base = labelName(key, nameCase);
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    out.push([key, name]);
  }
  return out;
}

/** UTF-16 code-unit order: byte order for ASCII label names, which is how Prometheus (Go) sorts labels. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
