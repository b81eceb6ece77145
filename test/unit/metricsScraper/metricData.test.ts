/**
 * The scraper's reading of CloudWatch, against aws-sdk-client-mock's CloudWatch: windows that depend only on
 * the schedule, the statistics each type needs in calls of at most 500 queries (a metric's together), every
 * page followed (PartialData), throttling retried, and one point per period with what CloudWatch holds.
 */
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult as CwResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_QUERIES_PER_CALL, readMetricData } from '../../../functions/metrics-scraper/metricData.ts';
import type { MetricSpec } from '../../../functions/metrics-scraper/spec.ts';
import { closedWindow } from '../../../functions/metrics-scraper/window.ts';

const cw = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const FAST = { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2 };
const T0 = Date.parse('2026-12-06T11:58:00Z');
const WINDOW = { startMs: T0, endMs: T0 + 180_000 };

/** Even metrics are distributions (four statistics), odd ones gauges (Maximum). */
const spec = (i: number): MetricSpec =>
  i % 2 === 0
    ? { namespace: 'AWS/Lambda', name: 'IteratorAge', dimensions: [['FunctionName', `fn-${i}`]], type: 'distribution', unit: 'Milliseconds' }
    : { namespace: 'AWS/Lambda', name: 'ConcurrentExecutions', dimensions: [['FunctionName', `fn-${i}`]], type: 'gauge', unit: 'Count' };
const count = (i: number): MetricSpec => ({ namespace: 'AWS/Lambda', name: 'Throttles', dimensions: [['FunctionName', `fn-${i}`]], type: 'count', unit: 'Count' });
/** The statistic of a query id's index, per the spec's type. */
const STAT_KEYS = { distribution: ['sum', 'min', 'max', 'n'], gauge: ['max'], count: ['sum'] } as const;

/** CloudWatch's answer for `queries`: per metric i and period p, Sum = 10i + p, Min = p, Max = 2p + 1, SampleCount = p + 1. */
function answer(input: Pick<GetMetricDataCommandInput, 'MetricDataQueries'>, periods: number[]): CwResult[] {
  return (input.MetricDataQueries ?? []).map((q) => {
    const [, i, k] = /^m(\d+)_(\d+)$/.exec(q.Id!)!;
    const stat = { Sum: 'sum', Minimum: 'min', Maximum: 'max', SampleCount: 'n' }[q.MetricStat?.Stat as 'Sum'] ?? STAT_KEYS.distribution[Number(k)];
    const value = (p: number) => ({ sum: 10 * Number(i) + p, min: p, max: 2 * p + 1, n: p + 1 })[stat as 'sum' | 'min' | 'max' | 'n'];
    return { Id: q.Id, StatusCode: 'Complete' as const, Timestamps: periods.map((p) => new Date(T0 + p * 60_000)), Values: periods.map(value) };
  });
}

beforeEach(() => {
  cw.reset();
});

describe('closedWindow', () => {
  it('reads whole periods that ended the delay before the scheduled time, the same for every run of that time', () => {
    const at = Date.parse('2026-12-06T12:03:20Z');
    const o = { periodSeconds: 60, delaySeconds: 120, periods: 3 };
    expect(closedWindow(at, o)).toEqual({ startMs: Date.parse('2026-12-06T11:58:00Z'), endMs: Date.parse('2026-12-06T12:01:00Z') });
    // Another second of the same minute's schedule reads the same; the next minute moves by one period.
    expect(closedWindow(at + 30_000, o)).toEqual(closedWindow(at, o));
    expect(closedWindow(at + 60_000, o).startMs - closedWindow(at, o).startMs).toBe(60_000);
    expect(() => closedWindow(at, { ...o, periodSeconds: 0 })).toThrow(/periodSeconds/);
  });
});

describe('readMetricData', () => {
  it('asks each type for its statistics and makes one point per period, as CloudWatch holds it', async () => {
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({ MetricDataResults: answer(input, [0, 1, 2]) }));
    const r = await readMetricData(client, [spec(0), spec(1), count(2)], WINDOW, 60, FAST);
    const input = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.MetricDataQueries!.map((q) => [q.Id, q.MetricStat!.Stat, q.MetricStat!.Period])).toEqual([
      ['m0_0', 'Sum', 60], ['m0_1', 'Minimum', 60], ['m0_2', 'Maximum', 60], ['m0_3', 'SampleCount', 60],
      ['m1_0', 'Maximum', 60],
      ['m2_0', 'Sum', 60],
    ]);
    expect([input.StartTime, input.EndTime]).toEqual([new Date(T0), new Date(T0 + 180_000)]);
    expect(r.points).toEqual([
      ...[0, 1, 2].map((p) => ({ metric: 0, timestamp: T0 + p * 60_000, value: { sum: p, min: p, max: 2 * p + 1, count: p + 1 } })),
      ...[0, 1, 2].map((p) => ({ metric: 1, timestamp: T0 + p * 60_000, value: 2 * p + 1 })),
      ...[0, 1, 2].map((p) => ({ metric: 2, timestamp: T0 + p * 60_000, value: 20 + p })),
    ]);
    expect([r.calls, r.queries, r.retries]).toEqual([1, 6, 0]);
  });

  it('keeps only periods inside the window', async () => {
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({ MetricDataResults: answer(input, [-1, 0, 3]) }));
    const r = await readMetricData(client, [spec(1)], WINDOW, 60, FAST);
    expect(r.points).toEqual([{ metric: 0, timestamp: T0, value: 1 }]);
  });

  it('splits the queries into calls of at most 500, a metric\'s queries always together', async () => {
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({ MetricDataResults: answer(input, [0]) }));
    // 1 gauge, then distributions: 1 + 4k never lands on 500, so a call must end early to keep a metric whole.
    const specs = [spec(1), ...Array.from({ length: 299 }, (_, i) => spec(2 * i))];
    const r = await readMetricData(client, specs, WINDOW, 60, FAST);
    const calls = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries!);
    expect(calls.map((c) => c.length)).toEqual([497, 500, 200]);
    for (const c of calls) {
      const byMetric = new Map<string, number>();
      for (const q of c) byMetric.set(q.Id!.split('_')[0]!, (byMetric.get(q.Id!.split('_')[0]!) ?? 0) + 1);
      for (const [m, n] of byMetric) expect([m, n]).toEqual([m, m === 'm0' ? 1 : 4]);
    }
    expect(calls.flat().length).toBe(1 + 299 * 4);
    expect(calls.every((c) => c.length <= MAX_QUERIES_PER_CALL)).toBe(true);
    expect(r.points).toHaveLength(300);
    expect(new Set(r.points.map((p) => p.metric)).size).toBe(300);
  });

  it('follows every page (PartialData answers with a NextToken), merging each query\'s datapoints', async () => {
    const pages = [
      { MetricDataResults: answer({ MetricDataQueries: [{ Id: 'm0_0' }, { Id: 'm0_1' }, { Id: 'm0_2' }, { Id: 'm0_3' }] }, [0]).map((x) => ({ ...x, StatusCode: 'PartialData' as const })), NextToken: 'page2' },
      { MetricDataResults: answer({ MetricDataQueries: [{ Id: 'm0_0' }, { Id: 'm0_1' }, { Id: 'm0_2' }, { Id: 'm0_3' }] }, [1, 2]) },
    ];
    cw.on(GetMetricDataCommand).resolvesOnce(pages[0]!).resolvesOnce(pages[1]!);
    const r = await readMetricData(client, [spec(0)], WINDOW, 60, FAST);
    expect(cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page2']);
    expect(r.points.map((p) => p.timestamp)).toEqual([T0, T0 + 60_000, T0 + 120_000]);
    expect([r.calls, r.queries]).toEqual([2, 8]);
  });

  it('retries throttling with backoff and counts it; another error fails the run', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    cw.on(GetMetricDataCommand).rejectsOnce(throttled).rejectsOnce(throttled).callsFake((input: GetMetricDataCommandInput) => ({ MetricDataResults: answer(input, [0]) }));
    const r = await readMetricData(client, [spec(0)], WINDOW, 60, FAST);
    expect([r.calls, r.retries, r.points.length]).toEqual([1, 2, 1]);
    cw.reset();
    cw.on(GetMetricDataCommand).rejects(Object.assign(new Error('not allowed'), { name: 'AccessDenied' }));
    await expect(readMetricData(client, [spec(0)], WINDOW, 60, FAST)).rejects.toThrow('not allowed');
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(1);
  });

  it('a query CloudWatch answers Forbidden or InternalError is counted and gives no points; a period with no samples gives none', async () => {
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: answer(input, [0, 1]).map((x) => (x.Id!.startsWith('m1_') ? { Id: x.Id, StatusCode: 'Forbidden' as const } : x.Id === 'm0_3' ? { ...x, Values: [0, 3] } : x)),
    }));
    const r = await readMetricData(client, [spec(0), spec(1), spec(2)], WINDOW, 60, FAST);
    expect(r.failed).toEqual({ Forbidden: 1 });
    expect(r.points).toEqual([
      { metric: 0, timestamp: T0 + 60_000, value: { sum: 1, min: 1, max: 3, count: 3 } },
      { metric: 2, timestamp: T0, value: { sum: 20, min: 0, max: 1, count: 1 } },
      { metric: 2, timestamp: T0 + 60_000, value: { sum: 21, min: 1, max: 3, count: 2 } },
    ]);
  });
});
