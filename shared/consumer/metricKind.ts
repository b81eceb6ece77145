/**
 * What kind of metric an EMF metric is. EMF has no metric type, so every provider decides the same
 * way, here: the unit gives the default, and overrides by metric-name glob change it.
 *
 * | EMF unit | class | StatsD default | Prometheus default |
 * |---|---|---|---|
 * | `Count` | `count` | counter `c` | counter `<name>_total` |
 * | `Seconds`, `Milliseconds`, `Microseconds` | `time` | `STATSD_TIME_TYPE` | histogram `<name>_seconds_bucket/_sum/_count` |
 * | any other unit | `value` | `STATSD_VALUE_TYPE` (gauge) | gauge `<name>` |
 *
 * A document of origin `cloudwatch` (the metrics scraper's) may declare a metric's type, as the
 * CloudWatch unit alone can be wrong for it (`ConcurrentExecutions` is a `Count` that is a gauge):
 *
 * | declared `Type` | StatsD | Prometheus |
 * |---|---|---|
 * | `count` | as the `count` class | as the `count` class |
 * | `distribution` | as the `time` class | as the `time` class |
 * | `gauge` | gauge `g` | gauge `<name>` |
 *
 * Overrides (`STATSD_TYPE_OVERRIDES`, `PROM_RW_TYPE_OVERRIDES`) are `glob=type,…`: `*` is any run
 * of characters, `?` one character, the rest literal; the first glob that matches the EMF metric
 * name wins. Each provider has its own list of types; the syntax and the matching are shared.
 * Precedence: an override, then the declared type, then the unit's class.
 */
import type { EmfUnit } from '../emf/constants.ts';

/** The three classes of EMF unit: a count (adds up), a time (a distribution of durations), any other value. */
export type UnitClass = 'count' | 'time' | 'value';

/**
 * The type a metric definition declares with `"Type"`: read only in documents of origin `cloudwatch`
 * (the metrics scraper's own), never in a user's EMF, whose meaning a member must not change.
 */
export type DeclaredType = 'count' | 'gauge' | 'distribution';

/** True for the values `"Type"` may have. */
export function isDeclaredType(v: unknown): v is DeclaredType {
  return v === 'count' || v === 'gauge' || v === 'distribution';
}

/** The defaults `resolveType` chooses from: one per unit class, and the type of a declared gauge. */
export type TypeDefaults<T extends string> = Readonly<Record<UnitClass | 'gauge', T>>;

/** Multiplier to milliseconds for the EMF time units. */
export const TIME_UNIT_TO_MS: Readonly<Partial<Record<EmfUnit, number>>> = Object.freeze({
  Seconds: 1000,
  Milliseconds: 1,
  Microseconds: 0.001,
});

/** The class of `unit` (the table above). */
export function unitClass(unit: EmfUnit): UnitClass {
  if (unit === 'Count') return 'count';
  return TIME_UNIT_TO_MS[unit] === undefined ? 'value' : 'time';
}

/** One `glob=type` entry of an overrides setting. */
export interface TypeOverride<T extends string = string> {
  /** The glob as configured. */
  pattern: string;
  regex: RegExp;
  type: T;
}

function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 'su');
}

/**
 * Parses `glob=type` entries whose type is one of `types`; throws an `Error` naming the wrong entry.
 *
 * @example parseTypeOverrides(['*Latency=histogram', 'Orders=counter'], ['counter', 'gauge', 'histogram', 'summary'])
 */
export function parseTypeOverrides<const T extends string>(entries: readonly string[], types: readonly T[]): TypeOverride<T>[] {
  return entries.map((entry) => {
    const i = entry.lastIndexOf('=');
    const pattern = i < 0 ? '' : entry.slice(0, i).trim();
    const type = i < 0 ? '' : entry.slice(i + 1).trim();
    if (pattern === '' || !(types as readonly string[]).includes(type)) {
      throw new Error(`entries must be pattern=type with type among ${types.join(', ')}, got "${entry}"`);
    }
    return { pattern, regex: globToRegExp(pattern), type: type as T };
  });
}

/**
 * The type of metric `name` in `unit`: the first override whose glob matches the name, else the
 * declared type (`count` → `defaults.count`, `distribution` → `defaults.time`, `gauge` →
 * `defaults.gauge`), else the default for the unit's class.
 *
 * @example resolveType('Latency', 'Milliseconds', [], { count: 'counter', time: 'histogram', value: 'gauge', gauge: 'gauge' }) // 'histogram'
 * @example resolveType('ConcurrentExecutions', 'Count', [], { count: 'counter', time: 'histogram', value: 'gauge', gauge: 'gauge' }, 'gauge') // 'gauge'
 */
export function resolveType<T extends string>(name: string, unit: EmfUnit, overrides: readonly TypeOverride<T>[], defaults: TypeDefaults<T>, declared?: DeclaredType): T {
  for (const o of overrides) if (o.regex.test(name)) return o.type;
  if (declared === 'gauge') return defaults.gauge;
  if (declared === 'count') return defaults.count;
  if (declared === 'distribution') return defaults.time;
  return defaults[unitClass(unit)];
}
