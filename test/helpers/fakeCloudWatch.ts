/**
 * A CloudWatch account for the metrics scraper's tests, behind aws-sdk-client-mock (CloudWatch has no local
 * implementation): a list of metrics, each with a value per statistic and period computed by a function the
 * test also uses for its expectations. `ListMetrics` pages by `pageSize`; `GetMetricData` answers every query
 * for each period inside [StartTime, EndTime) that has data, and can throttle its first calls and split its
 * answer over pages (`PartialData` with a `NextToken`), as CloudWatch does.
 */
import {
  CloudWatchClient, GetMetricDataCommand, ListMetricsCommand,
  type GetMetricDataCommandInput, type ListMetricsCommandInput, type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import type { MetadataBearer } from '@smithy/types';

export type Stat = 'Sum' | 'Minimum' | 'Maximum' | 'SampleCount';

export interface FakeMetric {
  namespace: string;
  name: string;
  dimensions: Readonly<Record<string, string>>;
  /** The statistic's value for the period starting at `periodStartMs`; undefined: no data that period. */
  value(stat: Stat, periodStartMs: number): number | undefined;
  /** Whether ListMetrics shows it yet (CloudWatch lists a new metric minutes late). @default always */
  listed?: () => boolean;
}

export interface FakeCloudWatchOptions {
  /** Metrics per ListMetrics page. @default 500 */
  pageSize?: number;
  /** GetMetricData calls answered with a throttling error first. @default 0 */
  throttleFirst?: number;
  /** Results per GetMetricData page: more results come on further pages, marked PartialData. @default all */
  resultsPerPage?: number;
}

export interface FakeCloudWatch {
  client: CloudWatchClient;
  /** The mock itself, to replace one command's behaviour (`mock.on(GetMetricDataCommand).rejects(…)`). */
  mock: AwsStub<object, MetadataBearer, unknown>;
  metrics: FakeMetric[];
  /** Queries sent in every GetMetricData call, pages included. */
  queriesSent(): number;
  getMetricDataCalls(): GetMetricDataCommandInput[];
  listMetricsCalls(): ListMetricsCommandInput[];
  restore(): void;
}

const sameDimensions = (a: Readonly<Record<string, string>>, b: readonly { Name?: string; Value?: string }[]) =>
  b.length === Object.keys(a).length && b.every((d) => d.Name !== undefined && Object.hasOwn(a, d.Name) && a[d.Name] === d.Value);

export function fakeCloudWatch(metrics: FakeMetric[], o: FakeCloudWatchOptions = {}): FakeCloudWatch {
  const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const mock = mockClient(client);
  const pageSize = o.pageSize ?? 500;
  let throttles = o.throttleFirst ?? 0;
  let queries = 0;
  /** Pages still to give, by token. */
  const pending = new Map<string, MetricDataResult[]>();
  let tokens = 0;

  mock.on(ListMetricsCommand).callsFake((input: ListMetricsCommandInput) => {
    const found = metrics.filter((m) => m.namespace === input.Namespace && (input.MetricName === undefined || m.name === input.MetricName) && (m.listed?.() ?? true));
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    const page = found.slice(start, start + pageSize);
    return {
      Metrics: page.map((m) => ({ Namespace: m.namespace, MetricName: m.name, Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })) })),
      ...(start + pageSize < found.length ? { NextToken: String(start + pageSize) } : {}),
    };
  });

  mock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    if (throttles > 0) {
      throttles--;
      throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    }
    queries += input.MetricDataQueries?.length ?? 0;
    if (input.NextToken !== undefined) {
      const rest = pending.get(input.NextToken) ?? [];
      pending.delete(input.NextToken);
      return page(rest);
    }
    const start = input.StartTime!.getTime();
    const end = input.EndTime!.getTime();
    const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map((q) => {
      const stat = q.MetricStat!;
      const period = stat.Period! * 1000;
      const m = metrics.find((x) => x.namespace === stat.Metric!.Namespace && x.name === stat.Metric!.MetricName && sameDimensions(x.dimensions, stat.Metric!.Dimensions ?? []));
      const Timestamps: Date[] = [];
      const Values: number[] = [];
      for (let t = Math.ceil(start / period) * period; t < end; t += period) {
        const v = m?.value(stat.Stat as Stat, t);
        if (v !== undefined) {
          Timestamps.push(new Date(t));
          Values.push(v);
        }
      }
      return { Id: q.Id, Label: stat.Metric!.MetricName, StatusCode: 'Complete', Timestamps, Values };
    });
    return page(results);
  });

  function page(results: MetricDataResult[]) {
    const n = o.resultsPerPage ?? results.length;
    if (results.length <= n) return { MetricDataResults: results };
    const token = `t${++tokens}`;
    pending.set(token, results.slice(n));
    return { MetricDataResults: results.slice(0, n).map((r) => ({ ...r, StatusCode: 'PartialData' as const })), NextToken: token };
  }

  return {
    client,
    mock,
    metrics,
    queriesSent: () => queries,
    getMetricDataCalls: () => mock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input),
    listMetricsCalls: () => mock.commandCalls(ListMetricsCommand).map((c) => c.args[0].input),
    restore: () => mock.restore(),
  };
}
