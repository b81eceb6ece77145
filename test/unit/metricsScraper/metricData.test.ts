/**
 * The scraper's reading of CloudWatch (issue 22, in progress), against aws-sdk-client-mock's CloudWatch:
 * windows that depend only on the schedule, four statistics per metric in calls of at most 500 queries, every
 * page followed (PartialData), throttling retried, and one statistic set per period with what CloudWatch holds.
 */
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult as CwResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_QUERIES_PER_CALL, readMetricData, type MetricSpec } from '../../../functions/metrics-scraper/metricData.ts';
import { closedWindow } from '../../../functions/metrics-scraper/window.ts';

const cw = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const FAST = { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2 };
const T0 = Date.parse('2026-12-06T11:58:00Z');
const WINDOW = { startMs: T0, endMs: T0 + 180_000 };

const spec = (i: number): MetricSpec => ({ namespace: 'AWS/Lambda', name: i % 2 === 0 ? 'Throttles' : 'ConcurrentExecutions', dimensions: [['FunctionName', `fn-${i}`]] });

/** CloudWatch's answer for `queries`: per metric i and period p, Sum = 10i + p, Min = p, Max = 2p + 1, SampleCount = p + 1. */
function answer(input: Pick<GetMetricDataCommandInput, 'MetricDataQueries'>, periods: number[]): CwResult[] {
  return (input.MetricDataQueries ?? []).map((q) => {
    const [, i, stat] = /^m(\d+)_(\w+)$/.exec(q.Id!)!;
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
  it('asks four statistics per metric and makes one statistic set per period, as CloudWatch holds it', async () => {
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({ MetricDataResults: answer(input, [0, 1, 2]) }));
    const r = await readMetricData(client, [spec(0), spec(1)], WINDOW, 60, FAST);
    const input = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.MetricDataQueries!.map((q) => [q.Id, q.MetricStat!.Stat, q.MetricStat!.Period])).toEqual([
      ['m0_sum', 'Sum', 60], ['m0_min', 'Minimum', 60], ['m0_max', 'Maximum', 60], ['m0_n', 'SampleCount', 60],
      ['m1_sum', 'Sum', 60], ['m1_min', 'Minimum', 60], ['m1_max', 'Maximum', 60], ['m1_n', 'SampleCount', 60],
    ]);
    expect([input.StartTime, input.EndTime]).toEqual([new Date(T0), new Date(T0 + 180_000)]);
    expect(r.points).toEqual([0, 1].flatMap((i) => [0, 1, 2].map((p) => ({ metric: i, timestamp: T0 + p * 60_000, sum: 10 * i + p, min: p, max: 2 * p + 1, count: p + 1 }))));
    expect([r.calls, r.queries, r.retries]).toEqual([1, 8, 0]);
  });

  it('splits the queries into calls of at most 500, a metric\'s four always together', async () => {
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({ MetricDataResults: answer(input, [0]) }));
    const specs = Array.from({ length: 300 }, (_, i) => spec(i));
    const r = await readMetricData(client, specs, WINDOW, 60, FAST);
    const sizes = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries!.length);
    expect(sizes).toEqual([MAX_QUERIES_PER_CALL, MAX_QUERIES_PER_CALL, 1200 - 2 * MAX_QUERIES_PER_CALL]);
    // A metric's four queries are in one call: 500 is a multiple of 4.
    for (const c of cw.commandCalls(GetMetricDataCommand)) expect(new Set(c.args[0].input.MetricDataQueries!.map((q) => q.Id!.split('_')[0])).size * 4).toBe(c.args[0].input.MetricDataQueries!.length);
    expect(r.points).toHaveLength(300);
    expect(new Set(r.points.map((p) => p.metric)).size).toBe(300);
  });

  it('follows every page (PartialData answers with a NextToken), merging each query\'s datapoints', async () => {
    const pages = [
      { MetricDataResults: answer({ MetricDataQueries: [{ Id: 'm0_sum' }, { Id: 'm0_min' }, { Id: 'm0_max' }, { Id: 'm0_n' }] }, [0]).map((x) => ({ ...x, StatusCode: 'PartialData' as const })), NextToken: 'page2' },
      { MetricDataResults: answer({ MetricDataQueries: [{ Id: 'm0_sum' }, { Id: 'm0_min' }, { Id: 'm0_max' }, { Id: 'm0_n' }] }, [1, 2]) },
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
      MetricDataResults: answer(input, [0, 1]).map((x) => (x.Id!.startsWith('m1_') ? { Id: x.Id, StatusCode: 'Forbidden' as const } : x.Id === 'm0_n' ? { ...x, Values: [0, 3] } : x)),
    }));
    const r = await readMetricData(client, [spec(0), spec(1)], WINDOW, 60, FAST);
    expect(r.failed).toEqual({ Forbidden: 4 });
    expect(r.points).toEqual([{ metric: 0, timestamp: T0 + 60_000, sum: 1, min: 1, max: 3, count: 3 }]);
  });
});
