/**
 * Which StatsD type an EMF metric becomes, and in which unit its values travel. The decision is
 * the consumer core's (`shared/consumer/metricKind.ts`), so StatsD, Prometheus and providers users
 * write agree; this file only names StatsD's types and their wire codes.
 *
 * | EMF metric | StatsD type | value sent |
 * |---|---|---|
 * | unit `Count` | counter `c` | incremented by the sum of the values (a statistic set: its `Sum`) |
 * | unit `Seconds`, `Milliseconds`, `Microseconds` | `STATSD_TIME_TYPE`: distribution `d` (DogStatsD default), timing `ms` (others) or histogram `h` | each observation, in milliseconds |
 * | any other unit (incl. `None`, `Count/Second`) | `STATSD_VALUE_TYPE`: gauge `g` (default), histogram `h` or distribution `d` | each observation as is |
 * | declared (metrics scraper) `gauge` / `count` / `distribution` | gauge `g` / counter `c` / `STATSD_TIME_TYPE` | as for that type |
 *
 * `STATSD_TYPE_OVERRIDES` (`pattern=type,…`, first match wins) replaces the row for metric
 * names matching a glob, declared type or not. Time units are converted to milliseconds whatever the type.
 */
import { resolveType as resolveKind, TIME_UNIT_TO_MS, type DeclaredType } from '../../../shared/consumer/metricKind.ts';
import type { EmfUnit } from '../../../shared/emf/constants.ts';
import type { SerialiseOptions } from './config.ts';
import type { StatsdType } from './constants.ts';

/** The StatsD type letter on the wire. */
export const TYPE_CODES = {
  counter: 'c',
  gauge: 'g',
  timing: 'ms',
  histogram: 'h',
  distribution: 'd',
} as const satisfies Record<StatsdType, string>;

/** The factor applied to every value (not to counts) of a metric in `unit`: to milliseconds for time units. */
export function valueFactor(unit: EmfUnit): number {
  return TIME_UNIT_TO_MS[unit] ?? 1;
}

/**
 * The type of metric `name` in `unit`, with the type its document declared if any, under `options` (the table above).
 *
 * @example resolveType('Latency', 'Milliseconds', options) // 'distribution' with DogStatsD defaults
 * @example resolveType('ConcurrentExecutions', 'Count', options, 'gauge') // 'gauge'
 */
export function resolveType(name: string, unit: EmfUnit, options: Pick<SerialiseOptions, 'overrides' | 'timeType' | 'valueType'>, declared?: DeclaredType): StatsdType {
  return resolveKind(name, unit, options.overrides, { count: 'counter', time: options.timeType, value: options.valueType, gauge: 'gauge' }, declared);
}
