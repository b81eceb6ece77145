/**
 * The CloudWatch metrics scraper's query window (issue 22, in progress: the function, its schedule and its
 * documents come next). CloudWatch publishes a period's datapoints late, so only closed periods are read, a
 * delay after they end; and the window depends only on the time the run was scheduled for, so a retried or
 * repeated run reads the same periods and makes the same documents (with the same ids, which the consumers
 * de-duplicate).
 */

export interface WindowOptions {
  /** The metrics' period, seconds (60 for Lambda's standard metrics). */
  periodSeconds: number;
  /** How long after a period ends its datapoints are taken as complete, seconds. */
  delaySeconds: number;
  /** Periods read per run: more than one covers a run that was skipped or late. */
  periods: number;
}

/** A half-open window [startMs, endMs) of whole periods. */
export interface QueryWindow {
  startMs: number;
  endMs: number;
}

/**
 * The closed periods a run scheduled at `scheduledAtMs` reads: the `periods` periods that ended at least
 * `delaySeconds` before it, aligned to the period.
 *
 * @example
 * closedWindow(Date.parse('2026-12-06T12:03:20Z'), { periodSeconds: 60, delaySeconds: 120, periods: 3 })
 * // → 11:58:00 to 12:01:00
 */
export function closedWindow(scheduledAtMs: number, o: WindowOptions): QueryWindow {
  if (!Number.isInteger(o.periodSeconds) || o.periodSeconds <= 0) throw new RangeError(`periodSeconds must be a positive integer, got ${o.periodSeconds}`);
  if (!Number.isInteger(o.periods) || o.periods <= 0) throw new RangeError(`periods must be a positive integer, got ${o.periods}`);
  if (!(o.delaySeconds >= 0)) throw new RangeError(`delaySeconds must be 0 or more, got ${o.delaySeconds}`);
  const period = o.periodSeconds * 1000;
  const endMs = Math.floor((scheduledAtMs - o.delaySeconds * 1000) / period) * period;
  return { startMs: endMs - o.periods * period, endMs };
}
