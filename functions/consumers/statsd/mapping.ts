/**
 * Which StatsD type an EMF metric becomes, and in which unit its values travel.
 *
 * | EMF metric | StatsD type | value sent |
 * |---|---|---|
 * | unit `Count` | counter `c` | incremented by the sum of the values (a statistic set: its `Sum`) |
 * | unit `Seconds`, `Milliseconds`, `Microseconds` | `STATSD_TIME_TYPE`: distribution `d` (DogStatsD default), timing `ms` (others) or histogram `h` | each observation, in milliseconds |
 * | any other unit (incl. `None`, `Count/Second`) | `STATSD_VALUE_TYPE`: gauge `g` (default), histogram `h` or distribution `d` | each observation as is |
 *
 * `STATSD_TYPE_OVERRIDES` (`pattern=type,…`, first match wins) replaces the row for metric
 * names matching a glob. Time units are converted to milliseconds whatever the type.
 */
import type { EmfUnit } from '../../../shared/emf/constants.ts';
import type { SerialiseOptions } from './config.ts';
import { STATSD_TYPES, type StatsdType } from './constants.ts';

/** One `pattern=type` entry of `STATSD_TYPE_OVERRIDES`. */
export interface TypeOverride {
  /** The glob as configured: `*` any run of characters, `?` one character, the rest literal. */
  pattern: string;
  regex: RegExp;
  type: StatsdType;
}

/** The StatsD type letter on the wire. */
export const TYPE_CODES = {
  counter: 'c',
  gauge: 'g',
  timing: 'ms',
  histogram: 'h',
  distribution: 'd',
} as const satisfies Record<StatsdType, string>;

/** Multiplier to milliseconds for the EMF time units; 1 for every other unit. */
export const TIME_UNIT_TO_MS: Readonly<Partial<Record<EmfUnit, number>>> = Object.freeze({
  Seconds: 1000,
  Milliseconds: 1,
  Microseconds: 0.001,
});

/** The factor applied to every value (not to counts) of a metric in `unit`. */
export function valueFactor(unit: EmfUnit): number {
  return TIME_UNIT_TO_MS[unit] ?? 1;
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
 * Parses `STATSD_TYPE_OVERRIDES` entries; throws an `Error` saying which entry is wrong.
 *
 * @example parseTypeOverrides(['*Latency=distribution', 'Orders=counter'])
 */
export function parseTypeOverrides(entries: readonly string[]): TypeOverride[] {
  return entries.map((entry) => {
    const i = entry.lastIndexOf('=');
    const pattern = i < 0 ? '' : entry.slice(0, i).trim();
    const type = i < 0 ? '' : entry.slice(i + 1).trim();
    if (pattern === '' || !(STATSD_TYPES as readonly string[]).includes(type)) {
      throw new Error(`entries must be pattern=type with type among ${STATSD_TYPES.join(', ')}, got "${entry}"`);
    }
    return { pattern, regex: globToRegExp(pattern), type: type as StatsdType };
  });
}

/**
 * The type of metric `name` in `unit` under `options` (the table above).
 *
 * @example resolveType('Latency', 'Milliseconds', options) // 'distribution' with DogStatsD defaults
 */
export function resolveType(name: string, unit: EmfUnit, options: Pick<SerialiseOptions, 'overrides' | 'timeType' | 'valueType'>): StatsdType {
  for (const o of options.overrides) if (o.regex.test(name)) return o.type;
  if (unit === 'Count') return 'counter';
  if (unit in TIME_UNIT_TO_MS) return options.timeType;
  return options.valueType;
}
