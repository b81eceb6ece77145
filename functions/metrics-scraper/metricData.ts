/**
 * Reading CloudWatch metrics for the scraper (issue 22, in progress): each selected metric is asked for its
 * four statistics (Sum, Minimum, Maximum, SampleCount) per period, in `GetMetricData` calls of at most 500
 * queries, every page followed (`NextToken`, which CloudWatch also returns when a result is `PartialData`),
 * throttling retried with backoff. Each period's four values become one statistic set, what CloudWatch holds,
 * which an EMF document carries as `{Sum, Min, Max, Count}`.
 */
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DEFAULT_BACKOFF, withBackoff, type BackoffOptions } from '../../shared/subscriptions/retry.ts';
import type { QueryWindow } from './window.ts';

/** One CloudWatch metric to read. */
export interface MetricSpec {
  namespace: string;
  name: string;
  /** In the order they are written in the document. */
  dimensions: readonly (readonly [string, string])[];
}

/** One period of one metric, as CloudWatch holds it. */
interface StatisticSetPoint {
  /** Index into the specs. */
  metric: number;
  /** Period start, ms since the epoch. */
  timestamp: number;
  sum: number;
  min: number;
  max: number;
  count: number;
}

/** GetMetricData's limit of queries per call. */
export const MAX_QUERIES_PER_CALL = 500;
/** Pages read for one call before giving up (a loop on a NextToken that never ends must not hang a run). */
const MAX_PAGES = 1_000;

const STATS = [
  ['sum', 'Sum'],
  ['min', 'Minimum'],
  ['max', 'Maximum'],
  ['n', 'SampleCount'],
] as const;
type StatKey = (typeof STATS)[number][0];

/** The four queries of each metric, ids `m<index>_<stat>` (ids must start with a lower-case letter). */
function buildQueries(specs: readonly MetricSpec[], periodSeconds: number): MetricDataQuery[] {
  return specs.flatMap((s, i) =>
    STATS.map(([key, stat]) => ({
      Id: `m${i}_${key}`,
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
  points: StatisticSetPoint[];
  /** `GetMetricData` calls made (pages included), and the queries they carried (what CloudWatch bills). */
  calls: number;
  queries: number;
  /** Throttled calls retried. */
  retries: number;
  /** Queries CloudWatch answered `Forbidden` or `InternalError`, by status: their metrics have no points. */
  failed: Record<string, number>;
}

/**
 * Reads `specs` over `window`: the queries in calls of at most 500 (a metric's four queries always in one
 * call), each call's pages in turn.
 */
export async function readMetricData(
  client: CloudWatchClient,
  specs: readonly MetricSpec[],
  window: QueryWindow,
  periodSeconds: number,
  backoff: BackoffOptions = DEFAULT_BACKOFF,
): Promise<MetricDataResult> {
  const queries = buildQueries(specs, periodSeconds);
  const values = new Map<string, Map<number, number>>();
  const result: MetricDataResult = { points: [], calls: 0, queries: 0, retries: 0, failed: {} };
  for (let at = 0; at < queries.length; at += MAX_QUERIES_PER_CALL) {
    const batch = queries.slice(at, at + MAX_QUERIES_PER_CALL);
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
        for (let k = 0; k < Math.min(ts.length, vs.length); k++) byTime.set(ts[k]!.getTime(), vs[k]!);
      }
      token = out.NextToken;
    } while (token !== undefined && token !== '');
  }
  result.points = statisticSets(specs.length, values);
  return result;
}

/** The periods for which all four statistics of a metric came back with at least one sample, in time order. */
function statisticSets(metrics: number, values: ReadonlyMap<string, ReadonlyMap<number, number>>): StatisticSetPoint[] {
  const points: StatisticSetPoint[] = [];
  for (let i = 0; i < metrics; i++) {
    const of = (key: StatKey) => values.get(`m${i}_${key}`);
    const sum = of('sum');
    const min = of('min');
    const max = of('max');
    const n = of('n');
    if (sum === undefined || min === undefined || max === undefined || n === undefined) continue;
    for (const t of [...n.keys()].sort((a, b) => a - b)) {
      const count = n.get(t)!;
      const s = sum.get(t);
      const lo = min.get(t);
      const hi = max.get(t);
      if (!(count > 0) || s === undefined || lo === undefined || hi === undefined) continue;
      points.push({ metric: i, timestamp: t, sum: s, min: lo, max: hi, count });
    }
  }
  return points;
}
