/** `--cloudwatch FILE`: a recorded GetMetricData call → the scraper's specs and points, skipped parts counted, a malformed file named. */
import { describe, expect, it } from 'vitest';
import { byPeriod, parseCloudwatchRecording, rebaseReplay, RECORDING_LIMITS } from '../../../local/cloudwatchRecording.ts';
import { emptyForwarderStats, lossesOf, renderSummary } from '../../../local/summary.ts';
import { UsageError } from '../../../shared/errors.ts';

const T0 = Date.parse('2026-12-06T21:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', '+00:00');

type Query = Record<string, unknown>;
/** A MetricStat query of `name` in `namespace` with the dimensions given. */
function q(id: string, name: string, stat: string, o: { namespace?: string; dims?: [string, string][]; period?: number; unit?: string } = {}): Query {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: o.namespace ?? 'AWS/Lambda', MetricName: name, Dimensions: (o.dims ?? [['FunctionName', 'f']]).map(([Name, Value]) => ({ Name, Value })) },
      Period: o.period ?? 60,
      Stat: stat,
      ...(o.unit !== undefined && { Unit: o.unit }),
    },
    ReturnData: true,
  };
}
/** A result of `id`: values at T0, T0+60 s, … (printed newest first, as the CLI prints them by default). */
function r(id: string, values: number[], status = 'Complete') {
  const ts = values.map((_, i) => iso(T0 + i * 60_000));
  return { Id: id, Label: id, Timestamps: ts.reverse(), Values: [...values].reverse(), StatusCode: status };
}
const recording = (queries: Query[], results: unknown[], extra: Record<string, unknown> = {}) => ({ MetricDataQueries: queries, MetricDataResults: results, Messages: [], ...extra });

function usageError(json: unknown): string {
  try {
    parseCloudwatchRecording(json);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('no UsageError');
}

describe('parseCloudwatchRecording: grouping to types', () => {
  it('Sum alone → count, Maximum → gauge, the four statistics → distribution; points per period in time order', () => {
    const rec = recording(
      [q('a', 'Throttles', 'Sum'), q('b', 'ConcurrentExecutions', 'Maximum'), q('c1', 'IteratorAge', 'Sum'), q('c2', 'IteratorAge', 'Minimum'), q('c3', 'IteratorAge', 'Maximum'), q('c4', 'IteratorAge', 'SampleCount')],
      [r('a', [3, 0]), r('b', [12, 15]), r('c1', [100, 50]), r('c2', [10, 50]), r('c3', [60, 50]), r('c4', [4, 1])],
    );
    const out = parseCloudwatchRecording(rec);
    expect(out.specs.map((s) => [s.name, s.type, s.dimensions])).toEqual([
      ['Throttles', 'count', [['FunctionName', 'f']]],
      ['ConcurrentExecutions', 'gauge', [['FunctionName', 'f']]],
      ['IteratorAge', 'distribution', [['FunctionName', 'f']]],
    ]);
    expect(out.periods).toEqual([60, 60, 60]);
    expect(out.points).toEqual([
      { metric: 0, timestamp: T0, value: 3 }, { metric: 0, timestamp: T0 + 60_000, value: 0 },
      { metric: 1, timestamp: T0, value: 12 }, { metric: 1, timestamp: T0 + 60_000, value: 15 },
      { metric: 2, timestamp: T0, value: { sum: 100, min: 10, max: 60, count: 4 } }, { metric: 2, timestamp: T0 + 60_000, value: { sum: 50, min: 50, max: 50, count: 1 } },
    ]);
    expect(out.skipped).toEqual({});
  });

  it('groups by metric (dimensions in any order) and period: the same metric at two periods is two metrics', () => {
    const d1: [string, string][] = [['A', '1'], ['B', '2']];
    const d2: [string, string][] = [['B', '2'], ['A', '1']];
    const out = parseCloudwatchRecording(recording(
      [q('x', 'M', 'Sum', { namespace: 'App', dims: d1 }), q('y', 'M', 'Maximum', { namespace: 'App', dims: d2 }), q('z', 'M', 'Sum', { namespace: 'App', dims: d1, period: 300 })],
      [r('x', [1]), r('y', [2]), r('z', [3])],
    ));
    expect(out.specs.map((s) => [s.type, s.dimensions])).toEqual([['gauge', d1], ['count', d1]]);
    expect(out.periods).toEqual([60, 300]);
    // The gauge takes the Maximum; its group's Sum is not used.
    expect(out.points).toEqual([{ metric: 0, timestamp: T0, value: 2 }, { metric: 1, timestamp: T0, value: 3 }]);
    expect(out.skipped).toEqual({ statistic_unused: 1 });
    expect(byPeriod(out).map((g) => [g.periodSeconds, g.specs.length, g.points.map((p) => p.metric)])).toEqual([[60, 1, [0]], [300, 1, [0]]]);
  });

  it('counts what fits no type: Average, a percentile, an expression, a group without Sum alone or Maximum, a duplicate, ReturnData false', () => {
    const out = parseCloudwatchRecording(recording(
      [
        q('avg', 'Duration', 'Average'), q('p99', 'Duration', 'p99'), { Id: 'e', Expression: 'SUM(METRICS())' },
        q('mn', 'Errors', 'Minimum'), q('sc', 'Errors', 'SampleCount'),
        q('s1', 'Throttles', 'Sum'), q('s2', 'Throttles', 'Sum'), { ...q('hidden', 'Invocations', 'Sum'), ReturnData: false },
      ],
      [r('avg', [1]), r('p99', [2]), r('e', [3]), r('mn', [4]), r('sc', [5]), r('s1', [6]), r('s2', [7])],
    ));
    expect(out.specs.map((s) => s.name)).toEqual(['Throttles']);
    expect(out.points).toEqual([{ metric: 0, timestamp: T0, value: 6 }]);
    expect(out.skipped).toEqual({ statistic_unsupported: 2, expression: 1, statistics_incomplete: 2, duplicate_query: 1, not_returned: 1 });
  });

  it('counts results not Complete/PartialData by status, results of no query, distribution periods missing a statistic, points outside the window', () => {
    const out = parseCloudwatchRecording(recording(
      [q('a', 'Throttles', 'Sum'), q('b', 'Errors', 'Sum'), q('c1', 'IteratorAge', 'Sum'), q('c2', 'IteratorAge', 'Minimum'), q('c3', 'IteratorAge', 'Maximum'), q('c4', 'IteratorAge', 'SampleCount')],
      [r('a', [1, 2, 3], 'PartialData'), r('b', [1], 'Forbidden'), r('b', [1], 'InternalError'), r('b', [1], 'Throttled'), r('nope', [1]), r('c1', [10, 20]), r('c2', [1, 2]), r('c3', [5, 9]), r('c4', [2])],
      { StartTime: iso(T0), EndTime: iso(T0 + 120_000) },
    ));
    expect(out.points).toEqual([
      { metric: 0, timestamp: T0, value: 1 }, { metric: 0, timestamp: T0 + 60_000, value: 2 },
      { metric: 2, timestamp: T0, value: { sum: 10, min: 1, max: 5, count: 2 } },
    ]);
    expect(out.skipped).toEqual({ outside_window: 1, result_forbidden: 1, result_internal_error: 1, result_status_other: 1, result_unknown_id: 1, period_incomplete: 1 });
  });

  it('merges the pages of one query (the CLI concatenates them: an Id may repeat)', () => {
    const out = parseCloudwatchRecording(recording([q('a', 'Throttles', 'Sum')], [r('a', [1]), { Id: 'a', Timestamps: [iso(T0 + 60_000)], Values: [2], StatusCode: 'Complete' }]));
    expect(out.points.map((p) => p.value)).toEqual([1, 2]);
  });
});

describe('parseCloudwatchRecording: units', () => {
  it('the MetricStat Unit, else the AWS/Lambda table\'s, else None', () => {
    const out = parseCloudwatchRecording(recording(
      [q('a', 'IteratorAge', 'Maximum'), q('b', 'IteratorAge', 'Maximum', { unit: 'Seconds', period: 300 }), q('c', 'Custom', 'Sum'), q('d', 'Throttles', 'Sum', { namespace: 'Other' }), q('e', 'Throttles', 'Sum')],
      [],
    ));
    expect(out.specs.map((s) => s.unit)).toEqual(['Milliseconds', 'Seconds', 'None', 'None', 'Count']);
  });

  it('a group whose queries give different units is skipped', () => {
    const out = parseCloudwatchRecording(recording([q('a', 'X', 'Sum', { unit: 'Count' }), q('b', 'X', 'Maximum', { unit: 'Bytes' })], [r('a', [1]), r('b', [1])]));
    expect(out.specs).toEqual([]);
    expect(out.skipped).toEqual({ mixed_units: 2 });
  });
});

describe('parseCloudwatchRecording: malformed files', () => {
  const good = () => recording([q('a', 'Throttles', 'Sum')], [r('a', [1])]);
  it.each<[string, (x: ReturnType<typeof good>) => unknown, RegExp]>([
    ['not an object', () => [1], /^the recording must be an object, got an array$/],
    ['no queries', (x) => ({ ...x, MetricDataQueries: undefined }), /^MetricDataQueries must be an array, got undefined$/],
    ['no results', (x) => ({ ...x, MetricDataResults: 'x' }), /^MetricDataResults must be an array, got "x"$/],
    ['a query without Id', (x) => ({ ...x, MetricDataQueries: [{ MetricStat: {} }] }), /^MetricDataQueries\[0\]\.Id must be a non-empty string, got undefined$/],
    ['two queries with one Id', (x) => ({ ...x, MetricDataQueries: [q('a', 'T', 'Sum'), q('a', 'U', 'Sum')] }), /^MetricDataQueries\[1\]\.Id "a" is the Id of an earlier query$/],
    ['neither MetricStat nor Expression', (x) => ({ ...x, MetricDataQueries: [{ Id: 'a' }] }), /^MetricDataQueries\[0\] has neither MetricStat nor Expression$/],
    ['a bad period', (x) => ({ ...x, MetricDataQueries: [q('a', 'T', 'Sum', { period: 0.5 })] }), /^MetricDataQueries\[0\]\.MetricStat\.Period must be an integer number of seconds from 1 to 31536000, got 0\.5$/],
    ['a bad unit', (x) => ({ ...x, MetricDataQueries: [q('a', 'T', 'Sum', { unit: 'Parsecs' })] }), /^MetricDataQueries\[0\]\.MetricStat\.Unit must be a CloudWatch unit \(Count, Milliseconds, …\), got "Parsecs"$/],
    ['a dimension without value', (x) => ({ ...x, MetricDataQueries: [{ Id: 'a', MetricStat: { Metric: { Namespace: 'N', MetricName: 'M', Dimensions: [{ Name: 'D' }] }, Period: 60, Stat: 'Sum' } }] }), /^MetricDataQueries\[0\]\.MetricStat\.Metric\.Dimensions\[0\]\.Value must be a non-empty string, got undefined$/],
    ['a dimension twice', (x) => ({ ...x, MetricDataQueries: [q('a', 'T', 'Sum', { dims: [['D', '1'], ['D', '2']] })] }), /^MetricDataQueries\[0\]\.MetricStat\.Metric\.Dimensions\[1\]\.Name "D" appears twice in the metric$/],
    ['more timestamps than values', (x) => ({ ...x, MetricDataResults: [{ Id: 'a', Timestamps: [iso(T0), iso(T0 + 60_000)], Values: [1] }] }), /^MetricDataResults\[0\] has 2 Timestamps and 1 Values; each timestamp needs its value$/],
    ['an epoch timestamp in a result', (x) => ({ ...x, MetricDataResults: [{ Id: 'a', Timestamps: [T0 / 1000], Values: [1] }] }), /^MetricDataResults\[0\]\.Timestamps\[0\] must be an ISO 8601 time such as 2026-12-06T22:00:00\+00:00, got 1796590800$/],
    ['a value that is not a number', (x) => ({ ...x, MetricDataResults: [{ Id: 'a', Timestamps: [iso(T0)], Values: ['1'] }] }), /^MetricDataResults\[0\]\.Values\[0\] must be a number, got "1"$/],
    ['a bad StartTime', (x) => ({ ...x, StartTime: 'yesterday' }), /^StartTime must be an ISO 8601 time/],
    ['a long string, shown cut', (x) => ({ ...x, MetricDataResults: [{ Id: 'a', Timestamps: ['x'.repeat(60)], Values: [1] }] }), /got "x{40}…"$/],
  ])('%s', (_name, change, message) => {
    expect(usageError(change(good()))).toMatch(message);
  });

  it('bounds what it reads: more queries than GetMetricData takes, a string past its limit', () => {
    const many = Array.from({ length: RECORDING_LIMITS.queries + 1 }, (_, i) => q(`q${i}`, 'T', 'Sum'));
    expect(usageError(recording(many, []))).toBe(`MetricDataQueries has ${RECORDING_LIMITS.queries + 1} entries, more than ${RECORDING_LIMITS.queries}`);
    expect(usageError(recording([q('a', 'x'.repeat(RECORDING_LIMITS.name + 1), 'Sum')], []))).toBe(`MetricDataQueries[0].MetricStat.Metric.MetricName is longer than ${RECORDING_LIMITS.name} characters`);
  });

  it('reads only own members: a key such as __proto__ or toString in the file indexes nothing', () => {
    const rec = JSON.parse(`{"MetricDataQueries":[{"Id":"toString","MetricStat":{"Metric":{"Namespace":"N","MetricName":"constructor","Dimensions":[{"Name":"__proto__","Value":"x"}]},"Period":60,"Stat":"Sum"}}],"MetricDataResults":[{"Id":"toString","Timestamps":["${iso(T0)}"],"Values":[5]},{"Id":"hasOwnProperty","Timestamps":[],"Values":[]}],"__proto__":{"MetricDataQueries":[]}}`) as unknown;
    const out = parseCloudwatchRecording(rec);
    expect(out.specs.map((s) => [s.name, s.dimensions])).toEqual([['constructor', [['__proto__', 'x']]]]);
    expect(out.points).toEqual([{ metric: 0, timestamp: T0, value: 5 }]);
    expect(out.skipped).toEqual({ result_unknown_id: 1 });
    // Inherited members are not read as the file's.
    expect(usageError(Object.create({ MetricDataQueries: [], MetricDataResults: [] }) as unknown)).toMatch(/^MetricDataQueries must be an array/);
  });
});

describe('rebaseReplay', () => {
  it('moves every point by whole periods of the longest period, so the newest period is the current one', () => {
    const out = parseCloudwatchRecording(recording([q('a', 'T', 'Sum'), q('b', 'U', 'Sum', { period: 300 })], [r('a', [1, 2, 3]), r('b', [4])]));
    const now = T0 + 10 * 86_400_000 + 7 * 60_000 + 1_234;
    const moved = rebaseReplay(out, now);
    const newest = Math.max(...moved.points.map((p) => p.timestamp));
    expect(newest).toBeLessThanOrEqual(now);
    expect(now - newest).toBeLessThan(300_000);
    const delta = moved.points[0]!.timestamp - out.points[0]!.timestamp;
    expect(delta % 300_000).toBe(0);
    expect(moved.points.map((p) => p.timestamp - delta)).toEqual(out.points.map((p) => p.timestamp));
    expect(moved.points.map((p) => p.value)).toEqual(out.points.map((p) => p.value));
  });
});

describe('the run summary of a replay', () => {
  const base = () => ({
    end: 'end-of-input' as const,
    input: { logEvents: 0, blankLines: 0, issues: {}, examples: {} },
    forwarder: emptyForwarderStats(),
    providers: [],
  });
  it('one line with the counts and the skipped reasons; nothing lost when every document was written', () => {
    const s = { ...base(), cloudwatch: { metrics: 6, datapoints: 18, documents: 18, records: 1, failedDocuments: 0, skipped: { statistic_unsupported: 1, expression: 2 } } };
    expect(lossesOf(s)).toEqual([]);
    expect(renderSummary({ ...s, losses: [] })).toContain('cloudwatch   6 metrics, 18 datapoints → 18 documents in 1 Kinesis records; skipped: 3\n      expression: 2\n      statistic_unsupported: 1\n');
  });
  it('documents the stream did not take are a loss, named with the error', () => {
    const s = { ...base(), cloudwatch: { metrics: 1, datapoints: 5, documents: 2, records: 1, failedDocuments: 3, error: 'PutRecords failed', skipped: {} } };
    expect(lossesOf(s)).toEqual(['cloudwatch: 3 document(s) of the recording were not written to the stream: PutRecords failed']);
  });
});
