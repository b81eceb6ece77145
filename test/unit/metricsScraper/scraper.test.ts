/**
 * The metrics scraper's parts against aws-sdk-client-mock's CloudWatch (test/helpers/fakeCloudWatch.ts): its
 * settings, which metrics it selects (the subscription rules, tags, exact dimensions, the cap), and the documents
 * it writes (read back by the consumer core, with their declared types, and the same ids on a repeated run).
 */
import { describe, expect, it } from 'vitest';
import { loadScraperConfig } from '../../../functions/metrics-scraper/config.ts';
import { createDiscovery, discover } from '../../../functions/metrics-scraper/discover.ts';
import { buildDocuments } from '../../../functions/metrics-scraper/documents.ts';
import type { MetricPoint } from '../../../functions/metrics-scraper/metricData.ts';
import type { MetricSpec } from '../../../functions/metrics-scraper/spec.ts';
import { decodeKinesisRecord } from '../../../shared/consumer/decode.ts';
import { kinesisEventFromRecords } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { encodeRecord, serialiseDocument } from '../../../shared/record/format.ts';
import { Tally } from '../../../shared/tally.ts';
import { fakeCloudWatch, type FakeMetric } from '../../helpers/fakeCloudWatch.ts';

const FAST = { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2 };
const BASE = { KINESIS_STREAM_NAME: 's', AWS_REGION: 'eu-west-1', PIPELINE_LOG_GROUP_PREFIX: '/aws/lambda/emf-fanout-dev-' };

const metric = (name: string, dimensions: Record<string, string> = {}, namespace = 'AWS/Lambda'): FakeMetric => ({ namespace, name, dimensions, value: () => 1 });

describe('loadScraperConfig', () => {
  it('reads the defaults: every default Lambda metric, one period a minute read three minutes late, at most 500 metrics', () => {
    const c = loadScraperConfig(BASE);
    expect([c.intervalSeconds, c.periodSeconds, c.delaySeconds, c.maxMetrics, c.discoverySeconds]).toEqual([60, 60, 180, 500, 900]);
    // A metric new to the container is read back over ListMetrics' delay (15 minutes) and the container's keeping.
    expect(c.catchUpSeconds).toBe(900 + 900);
    expect(loadScraperConfig({ ...BASE, SCRAPER_DISCOVERY_SECONDS: '300' }).catchUpSeconds).toBe(1_200);
    expect(c.lambdaMetrics.map((m) => m.name)).toContain('ConcurrentExecutions');
    expect(c.selections).toEqual([]);
  });

  it.each([
    [{ SCRAPER_PERIOD_SECONDS: '90' }, /SCRAPER_PERIOD_SECONDS.*multiple of 60/],
    [{ SCRAPER_INTERVAL_SECONDS: '90' }, /SCRAPER_INTERVAL_SECONDS/],
    [{ SCRAPER_INTERVAL_SECONDS: '180', SCRAPER_PERIOD_SECONDS: '120' }, /whole number of periods/],
    [{ SCRAPER_LAMBDA_METRICS: 'Throttles,Duration' }, /"Duration" is not one of/],
    [{ SCRAPER_LAMBDA_METRICS: 'none' }, /would read no metric/],
    [{ SCRAPER_METRICS: '{' }, /SCRAPER_METRICS.*JSON array/],
    [{ SCRAPER_METRICS: '[{"namespace":"AWS/SQS","metrics":["A"],"type":"rate"}]' }, /type must be one of count, gauge, distribution/],
    [{ SCRAPER_METRICS: '[{"namespace":"AWS/SQS","metrics":["A"],"type":"gauge","unit":"Furlongs"}]' }, /unit must be a CloudWatch unit/],
    [{ SCRAPER_METRICS: '[{"namespace":"AWS/SQS","metrics":["QueueName"],"dimensions":{"QueueName":"*"},"type":"gauge"}]' }, /name of a dimension/],
    [{ SCRAPER_METRICS: '[{"namespace":"AWS/SQS","metrics":["A"],"type":"gauge","colour":"red"}]' }, /unknown key "colour"/],
    [{ SCRAPER_METRICS: '[{"namespace":"AWS/SQS","metrics":[],"type":"gauge"}]' }, /metrics must be a list/],
    [{ SCRAPER_MAX_METRICS: '0' }, /SCRAPER_MAX_METRICS/],
    // ListMetrics lists the metrics with data in the last three hours: a run may reach back no further.
    [{ SCRAPER_INTERVAL_SECONDS: '10800', SCRAPER_DELAY_SECONDS: '60' }, /SCRAPER_INTERVAL_SECONDS.*reaches back 10860 s/],
    [{ SCRAPER_CATCH_UP_SECONDS: '10800', SCRAPER_DELAY_SECONDS: '1' }, /reaches back 10801 s/],
    [{ SCRAPER_DISCOVERY_SECONDS: '86400' }, /SCRAPER_DISCOVERY_SECONDS/],
    [{ SUBSCRIBE_PATTERNS: '["("]' }, /SUBSCRIBE_PATTERNS/],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => loadScraperConfig({ ...BASE, ...env })).toThrow(message);
  });
});

describe('discover', () => {
  const world = [
    metric('Throttles', { FunctionName: 'orders-a' }),
    metric('Throttles', { FunctionName: 'orders-b' }),
    metric('Throttles', { FunctionName: 'billing' }),
    metric('Throttles', { FunctionName: 'emf-fanout-dev-forwarder' }),
    metric('Throttles', { FunctionName: 'orders-a', Resource: 'orders-a:live' }),
    metric('Throttles', {}),
    metric('ConcurrentExecutions', {}),
    metric('ConcurrentExecutions', { FunctionName: 'orders-a' }),
    metric('UnreservedConcurrentExecutions', {}),
    metric('ApproximateAgeOfOldestMessage', { QueueName: 'orders-in' }, 'AWS/SQS'),
    metric('ApproximateAgeOfOldestMessage', { QueueName: 'billing-in' }, 'AWS/SQS'),
    metric('ApproximateAgeOfOldestMessage', { QueueName: 'orders-dlq', Extra: 'x' }, 'AWS/SQS'),
  ];
  const deps = (cw: ReturnType<typeof fakeCloudWatch>, tags?: Record<string, Record<string, string>>) => ({
    cloudwatch: cw.client, account: '123456789012', backoff: FAST,
    ...(tags && { logGroupTags: async (arn: string) => {
      const lg = arn.split(':log-group:')[1]!;
      if (!Object.hasOwn(tags, lg)) throw Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' });
      return tags[lg]!;
    } }),
  });
  const keys = (specs: readonly MetricSpec[]) => specs.map((s) => `${s.namespace} ${s.name} ${JSON.stringify(s.dimensions)} ${s.type} ${s.unit}`);

  it('reads the Lambda metrics of the functions whose log groups the subscription rules select, the account-level ones, and each selection\'s exact dimensions', async () => {
    const cw = fakeCloudWatch(world, { pageSize: 2 });
    const config = loadScraperConfig({
      ...BASE, SUBSCRIBE_PREFIXES: '/aws/lambda/orders-,/aws/lambda/emf-fanout-dev-', EXCLUDE_LOG_GROUPS: '/aws/lambda/orders-b',
      SCRAPER_METRICS: JSON.stringify([{ namespace: 'AWS/SQS', metrics: ['ApproximateAgeOfOldestMessage'], dimensions: { QueueName: 'orders-*' }, type: 'distribution', unit: 'Seconds' }]),
    });
    const found = await discover(config, deps(cw), 0);
    expect(keys(found.specs)).toEqual([
      'AWS/Lambda ConcurrentExecutions [["FunctionName","orders-a"]] gauge Count',
      'AWS/Lambda ConcurrentExecutions [] gauge Count',
      'AWS/Lambda Throttles [["FunctionName","orders-a"]] count Count',
      'AWS/Lambda UnreservedConcurrentExecutions [] gauge Count',
      'AWS/SQS ApproximateAgeOfOldestMessage [["QueueName","orders-in"]] distribution Seconds',
    ]);
    // Every page of every listing was read (Throttles: 6 metrics, 3 pages), only metrics active in the last 3 hours.
    expect(cw.listMetricsCalls().filter((c) => c.MetricName === 'Throttles').map((c) => c.NextToken)).toEqual([undefined, '2', '4']);
    expect(cw.listMetricsCalls().every((c) => c.RecentlyActive === 'PT3H')).toBe(true);
    expect(found.listCalls).toBe(cw.listMetricsCalls().length);
  });

  it('applies tag rules with one ListTagsForResource per log group, and counts log groups whose tags cannot be read', async () => {
    const cw = fakeCloudWatch(world);
    const config = loadScraperConfig({ ...BASE, SUBSCRIBE_PREFIXES: '/aws/lambda/', SUBSCRIBE_TAGS: '{"team":"shop"}', SCRAPER_LAMBDA_METRICS: 'Throttles,ConcurrentExecutions' });
    const asked: string[] = [];
    const d = deps(cw, { '/aws/lambda/orders-a': { team: 'shop' }, '/aws/lambda/orders-b': { team: 'other' } });
    const found = await discover(config, { ...d, logGroupTags: (arn) => (asked.push(arn), d.logGroupTags!(arn)) }, 0);
    expect(keys(found.specs).filter((k) => k.includes('FunctionName'))).toEqual([
      'AWS/Lambda ConcurrentExecutions [["FunctionName","orders-a"]] gauge Count',
      'AWS/Lambda Throttles [["FunctionName","orders-a"]] count Count',
    ]);
    expect(found.skipped).toEqual({ log_group_tags_unreadable: 1 });
    expect(asked.sort()).toEqual(['orders-a', 'orders-b', 'billing'].sort().map((f) => `arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/${f}`));
  });

  it('caps the metrics read per run, cutting the same ones every run, and counts the rest', async () => {
    const many = Array.from({ length: 30 }, (_, i) => metric('Throttles', { FunctionName: `fn-${String(i).padStart(2, '0')}` }));
    const cw = fakeCloudWatch([...many].reverse());
    const config = loadScraperConfig({ ...BASE, SUBSCRIBE_PREFIXES: '/aws/lambda/fn-', SCRAPER_LAMBDA_METRICS: 'Throttles', SCRAPER_MAX_METRICS: '10' });
    const a = await discover(config, deps(cw), 0);
    expect(a.specs.map((s) => s.dimensions[0]![1])).toEqual(Array.from({ length: 10 }, (_, i) => `fn-${String(i).padStart(2, '0')}`));
    expect(a.skipped).toEqual({ over_cap: 20 });
  });

  it('keeps what it found for SCRAPER_DISCOVERY_SECONDS', async () => {
    const cw = fakeCloudWatch(world);
    const config = loadScraperConfig({ ...BASE, SUBSCRIBE_PREFIXES: '/aws/lambda/', SCRAPER_DISCOVERY_SECONDS: '600' });
    const get = createDiscovery(config, deps(cw));
    const first = await get(0);
    const lists = cw.listMetricsCalls().length;
    expect((await get(599_000)).listCalls).toBe(0);
    expect(cw.listMetricsCalls()).toHaveLength(lists);
    expect((await get(600_000)).listCalls).toBe(first.listCalls);
    expect(cw.listMetricsCalls()).toHaveLength(2 * lists);
  });
});

describe('buildDocuments', () => {
  const T = Date.parse('2026-12-06T12:00:00Z');
  const specs: MetricSpec[] = [
    { namespace: 'AWS/Lambda', name: 'Throttles', dimensions: [['FunctionName', 'orders']], type: 'count', unit: 'Count' },
    { namespace: 'AWS/Lambda', name: 'ConcurrentExecutions', dimensions: [], type: 'gauge', unit: 'Count' },
    { namespace: 'AWS/SQS', name: 'Age', dimensions: [['QueueName', 'q'], ['__proto__', 'x']], type: 'distribution', unit: 'Seconds' },
    { namespace: 'AWS/X', name: 'Same', dimensions: [['Same', 'x']], type: 'count', unit: 'Count' },
  ];
  const points: MetricPoint[] = [
    { metric: 0, timestamp: T + 60_000, value: 2 },
    { metric: 0, timestamp: T, value: 3 },
    { metric: 1, timestamp: T, value: 40 },
    { metric: 2, timestamp: T, value: { sum: 9, min: 1, max: 5, count: 3 } },
    { metric: 3, timestamp: T, value: 1 },
  ];
  const o = { owner: '123456789012', region: 'eu-west-1', periodSeconds: 60 };

  it('one document per metric and period, per namespace in time order, that the consumer core reads back with its type and statistics', () => {
    const { origins, skipped } = buildDocuments(specs, points, o);
    expect(skipped).toEqual({ dimension_is_metric_name: 1 });
    expect(origins.map((x) => [x.ctx.logGroup, x.ctx.logStream, x.documents.map((d) => d.timestamp - T)])).toEqual([
      ['cloudwatch-metrics', 'AWS/Lambda', [0, 0, 60_000]],
      ['cloudwatch-metrics', 'AWS/SQS', [0]],
    ]);
    const data = origins.flatMap((x) => {
      const issues = { dropped: new Tally(), warnings: new Tally() };
      const event = kinesisEventFromRecords([encodeRecord(x.ctx, x.documents.map(serialiseDocument), 'brotli')]);
      const r = decodeKinesisRecord(event.Records[0]!, issues);
      expect([issues.dropped.counts, issues.warnings.counts]).toEqual([{}, {}]);
      return r.data;
    });
    expect(data.map((d) => [d.namespace, d.name, d.unit, d.type, d.timestamp - T, d.value, { ...d.dimensions }, d.source.origin])).toEqual([
      ['AWS/Lambda', 'Throttles', 'Count', 'count', 0, 3, { FunctionName: 'orders' }, 'cloudwatch'],
      ['AWS/Lambda', 'ConcurrentExecutions', 'Count', 'gauge', 0, 40, {}, 'cloudwatch'],
      ['AWS/Lambda', 'Throttles', 'Count', 'count', 60_000, 2, { FunctionName: 'orders' }, 'cloudwatch'],
      ['AWS/SQS', 'Age', 'Seconds', 'distribution', 0, { sum: 9, min: 1, max: 5, count: 3 }, Object.fromEntries([['QueueName', 'q'], ['__proto__', 'x']]), 'cloudwatch'],
    ]);
    expect(Object.hasOwn(data[3]!.dimensions, '__proto__')).toBe(true);
  });

  it('ids depend only on the metric, its period, type and unit: a repeated run writes the same ids; another value, period or type does not collide', () => {
    const ids = (s: MetricSpec[], p: MetricPoint[], periodSeconds = 60) => buildDocuments(s, p, { ...o, periodSeconds }).origins.flatMap((x) => x.documents.map((d) => d.id));
    const first = ids(specs, points);
    expect(ids(specs, points.map((p) => ({ ...p, value: typeof p.value === 'number' ? p.value + 1 : p.value })))).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    const other = ids(specs.map((s) => ({ ...s, type: s.type === 'count' ? 'gauge' : s.type })), points);
    expect(other.filter((id) => first.includes(id))).toHaveLength(2);
    expect(ids(specs, points, 120).filter((id) => first.includes(id))).toEqual([]);
    expect(first.every((id) => id.length <= 64)).toBe(true);
  });
});
