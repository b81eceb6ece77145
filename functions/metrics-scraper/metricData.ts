/**
 * Reading CloudWatch metrics for the scraper: each selected metric is asked for the statistics its type needs
 * (spec.ts), per period, in `GetMetricData` calls of at most 500 queries (a metric's queries always in one
 * call), every page followed (`NextToken`, which CloudWatch also returns when a result is `PartialData`),
 * throttling retried with backoff. Each period becomes one point: a count's Sum, a gauge's Maximum, or a
 * distribution's statistic set, what CloudWatch holds.
 */
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { StatisticSet } from '../../shared/consumer/types.ts';
import { DEFAULT_BACKOFF, withBackoff, type BackoffOptions } from '../../shared/subscriptions/retry.ts';
import { STATISTICS, type MetricSpec, type Statistic } from './spec.ts';
import type { QueryWindow } from './window.ts';

/** One period of one metric, as CloudWatch holds it. */
export interface MetricPoint {
  /** Index into the specs. */
  metric: number;
  /** Period start, ms since the epoch. */
  timestamp: number;
  /** A count's Sum or a gauge's Maximum; a distribution's statistic set. */
  value: number | StatisticSet;
}

/** GetMetricData's limit of queries per call. */
export const MAX_QUERIES_PER_CALL = 500;
/** Pages read for one call before giving up (a loop on a NextToken that never ends must not hang a run). */
const MAX_PAGES = 1_000;

/** The queries of each metric, ids `m<index>_<statistic index>` (ids must start with a lower-case letter). */
function buildQueries(specs: readonly MetricSpec[], periodSeconds: number): MetricDataQuery[] {
  return specs.flatMap((s, i) =>
    STATISTICS[s.type].map((stat, k) => ({
      Id: `m${i}_${k}`,
      MetricStat: {
        Metric: { Namespace: s.namespace, MetricName: s.name, Dimensions: s.dimensions.map(([Name, Value]) => ({ Name, Value })) },
        Period: periodSeconds,
        Stat: stat,
      },
      ReturnData: true,
    })),
  );
}

/** What a scrape read, and what it cost. */
export interface MetricDataResult {
  points: MetricPoint[];
  /** `GetMetricData` calls made (pages included), and the queries they carried (what CloudWatch bills). */
  calls: number;
  queries: number;
  /** Throttled calls retried. */
  retries: number;
  /** Queries CloudWatch answered `Forbidden` or `InternalError`, by status. `Forbidden` metrics have no points; an `InternalError` fails the read (after every call) so the run is retried. */
  failed: Record<string, number>;
}

/**
 * Reads `specs` over `window`: the queries in calls of at most 500 (a metric's queries always in one call),
 * each call's pages in turn. Only periods inside the window are kept.
 */
export async function readMetricData(
  client: CloudWatchClient,
  specs: readonly MetricSpec[],
  window: QueryWindow,
  periodSeconds: number,
  backoff: BackoffOptions = DEFAULT_BACKOFF,
  /** Where the calls, queries and retries are counted as they happen, so a run that fails still reports what it was billed. */
  counts: Pick<MetricDataResult, 'calls' | 'queries' | 'retries' | 'failed'> = { calls: 0, queries: 0, retries: 0, failed: {} },
): Promise<MetricDataResult> {
  const queries = buildQueries(specs, periodSeconds);
  const calls: MetricDataQuery[][] = [];
  for (let at = 0, i = 0; i < specs.length; ) {
    // A metric's queries stay in one call: a call ends before a metric that would not fit.
    let end = at;
    while (i < specs.length && end + STATISTICS[specs[i]!.type].length - at <= MAX_QUERIES_PER_CALL) end += STATISTICS[specs[i++]!.type].length;
    calls.push(queries.slice(at, end));
    at = end;
  }
  const values = new Map<string, Map<number, number>>();
  const result = counts;
  for (const batch of calls) {
    let token: string | undefined;
    let pages = 0;
    do {
      if (++pages > MAX_PAGES) throw new Error(`GetMetricData returned more than ${MAX_PAGES} pages for one call`);
      const out = await withBackoff(
        () =>
          client.send(
            new GetMetricDataCommand({
              MetricDataQueries: batch,
              StartTime: new Date(window.startMs),
              EndTime: new Date(window.endMs),
              ScanBy: 'TimestampAscending',
              ...(token === undefined ? {} : { NextToken: token }),
            }),
          ),
        { ...backoff, onRetry: (e, n) => {
          result.retries++;
          backoff.onRetry?.(e, n);
        } },
      );
      result.calls++;
      result.queries += batch.length;
      for (const r of out.MetricDataResults ?? []) {
        if (r.Id === undefined) continue;
        if (r.StatusCode === 'Forbidden' || r.StatusCode === 'InternalError') {
          result.failed[r.StatusCode] = (result.failed[r.StatusCode] ?? 0) + 1;
          continue;
        }
        let byTime = values.get(r.Id);
        if (byTime === undefined) values.set(r.Id, (byTime = new Map()));
        const ts = r.Timestamps ?? [];
        const vs = r.Values ?? [];
        for (let k = 0; k < Math.min(ts.length, vs.length); k++) {
          const t = ts[k]!.getTime();
          if (t >= window.startMs && t < window.endMs && Number.isFinite(vs[k])) byTime.set(t, vs[k]!);
        }
      }
      token = out.NextToken;
    } while (token !== undefined && token !== '');
  }
  const internal = result.failed.InternalError ?? 0;
  // Transient on CloudWatch's side: failing the run has Lambda read the same window again, where counting it would leave a gap.
  if (internal > 0) throw new Error(`CloudWatch answered InternalError for ${internal} of the queries; the run fails so that it is retried`);
  return { ...result, points: pointsOf(specs, (i, stat) => values.get(`m${i}_${STATISTICS[specs[i]!.type].indexOf(stat)}`)) };
}

/**
 * Each metric's points, in time order, from its statistics' values by period start (`valuesOf`: undefined or
 * empty when none came back): a count's Sum, a gauge's Maximum, and a distribution's statistic set for the
 * periods in which all four statistics came back with samples; `onIncomplete` hears of each other period of a
 * distribution. The scraper's reader and `npm start --cloudwatch` (local/cloudwatchRecording.ts) share it.
 */
export function pointsOf(
  specs: readonly MetricSpec[],
  valuesOf: (metric: number, stat: Statistic) => ReadonlyMap<number, number> | undefined,
  onIncomplete?: () => void,
): MetricPoint[] {
  const points: MetricPoint[] = [];
  const none: ReadonlyMap<number, number> = new Map();
  const byTime = (ts: Iterable<number>) => [...ts].sort((a, b) => a - b);
  specs.forEach((spec, metric) => {
    const of = (stat: Statistic) => valuesOf(metric, stat) ?? none;
    if (spec.type !== 'distribution') {
      const only = of(STATISTICS[spec.type][0]!);
      for (const t of byTime(only.keys())) points.push({ metric, timestamp: t, value: only.get(t)! });
      return;
    }
    const [sum, min, max, n] = [of('Sum'), of('Minimum'), of('Maximum'), of('SampleCount')];
    for (const t of byTime(new Set([...sum.keys(), ...min.keys(), ...max.keys(), ...n.keys()]))) {
      const [s, lo, hi, count] = [sum.get(t), min.get(t), max.get(t), n.get(t)];
      if (s === undefined || lo === undefined || hi === undefined || count === undefined || !(count > 0)) onIncomplete?.();
      else points.push({ metric, timestamp: t, value: { sum: s, min: lo, max: hi, count } });
    }
  });
  return points;
}
