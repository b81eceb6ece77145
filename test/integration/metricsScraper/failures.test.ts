/**
 * How a scraper run fails (docs/metrics-scraper.md#faults), with aws-sdk-client-mock's CloudWatch and kinesalite:
 * a call CloudWatch refuses for good, throttling that outlasts the retries, and a stream that does not take the
 * records make the run throw (so Lambda retries it, then parks it in the failure queue), after logging and
 * publishing what it did; queries answered `Forbidden` are counted and the run goes on.
 */
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScraperConfig } from '../../../functions/metrics-scraper/config.ts';
import { createScraperHandler } from '../../../functions/metrics-scraper/scraper.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { fakeCloudWatch, type FakeMetric } from '../../helpers/fakeCloudWatch.ts';
import { startKinesalite, type Kinesalite } from '../../helpers/kinesalite.ts';

const T = Date.parse('2026-12-06T12:00:00Z');
const ENV = {
  KINESIS_STREAM_NAME: 'scraper-faults', AWS_REGION: 'us-east-1', PIPELINE_LOG_GROUP_PREFIX: '/aws/lambda/emf-fanout-dev-',
  SUBSCRIBE_PREFIXES: '/aws/lambda/shop-', SCRAPER_LAMBDA_METRICS: 'Throttles', SCRAPER_DELAY_SECONDS: '0',
};
const ctx = { getRemainingTimeInMillis: () => 10_000, invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:emf-fanout-dev-metrics-scraper' };
const world = (): FakeMetric[] => ['shop-a', 'shop-b'].map((fn) => ({ namespace: 'AWS/Lambda', name: 'Throttles', dimensions: { FunctionName: fn }, value: (s, t) => (s === 'Sum' && t === T ? 2 : undefined) }));
const event = { time: new Date(T + 60_000).toISOString() };

let kinesis: Kinesalite;
beforeAll(async () => {
  kinesis = await startKinesalite();
  await kinesis.createStream(ENV.KINESIS_STREAM_NAME, 1);
});
afterAll(async () => {
  await kinesis?.close();
});

function scraper(cw: ReturnType<typeof fakeCloudWatch>, env: Record<string, string> = {}) {
  const logger = createMemoryLogger();
  const published: string[] = [];
  const handler = createScraperHandler({
    config: loadScraperConfig({ ...ENV, ...env }), cloudwatch: cw.client, kinesis: kinesis.client, logger,
    backoff: { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 2 }, retryMinTimeoutMs: 1, metricsSink: (line) => published.push(line),
  });
  return { handler, logger, published: () => published.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('scraper run failures', () => {
  it('a GetMetricData call refused for good throws after logging and publishing the run', async () => {
    const cw = fakeCloudWatch(world());
    cw.mock.on(GetMetricDataCommand).rejects(Object.assign(new Error('not authorized to perform cloudwatch:GetMetricData'), { name: 'AccessDenied' }));
    const s = scraper(cw);
    await expect(s.handler(event, ctx)).rejects.toThrow(/not authorized/);
    expect(s.logger.entries.filter((e) => e.level === 'error').map((e) => e.message)).toEqual([expect.stringMatching(/^metrics scraper run failed: GetMetricData; throwing so Lambda retries/)]);
    expect(s.published()).toHaveLength(1);
    expect(s.published()[0]).toMatchObject({ MetricsRead: 2, DocumentsForwarded: 0, GetMetricDataCalls: 0, MetricsRequested: 0 });
    cw.restore();
  });

  it('a run that fails after calls CloudWatch answered still reports the queries it was billed for', async () => {
    // 600 metrics: a first call of 500 queries is answered, the second stays throttled.
    const many = Array.from({ length: 600 }, (_, i): FakeMetric => ({ namespace: 'AWS/Lambda', name: 'Throttles', dimensions: { FunctionName: `shop-${i}` }, value: () => 1 }));
    const cw = fakeCloudWatch(many);
    let calls = 0;
    cw.mock.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => {
      if (++calls > 1) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
      return { MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, StatusCode: 'Complete', Timestamps: [], Values: [] })) };
    });
    const s = scraper(cw, { SCRAPER_MAX_METRICS: '1000' });
    await expect(s.handler(event, ctx)).rejects.toThrow(/Rate exceeded/);
    expect(s.published()[0]).toMatchObject({ MetricsRead: 600, GetMetricDataCalls: 1, MetricsRequested: 500, CloudWatchRetries: 2 });
    cw.restore();
  });

  it('an InternalError answer fails the run, so that Lambda reads the same window again instead of leaving a gap', async () => {
    const cw = fakeCloudWatch(world());
    cw.mock.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((q, i) => (i === 0 ? { Id: q.Id, StatusCode: 'InternalError' } : { Id: q.Id, StatusCode: 'Complete', Timestamps: [new Date(T)], Values: [5] })),
    }));
    const s = scraper(cw);
    await expect(s.handler(event, ctx)).rejects.toThrow(/InternalError for 1 of the queries/);
    expect(s.published()[0]).toMatchObject({ QueriesFailed: 1, 'QueriesFailed.InternalError': 1, DocumentsForwarded: 0 });
    cw.restore();
  });

  it('throttling that outlasts the retries throws; throttling within them is counted', async () => {
    const lasting = fakeCloudWatch(world(), { throttleFirst: 3 });
    await expect(scraper(lasting).handler(event, ctx)).rejects.toThrow(/Rate exceeded/);
    lasting.restore();
    const brief = fakeCloudWatch(world(), { throttleFirst: 2 });
    const s = scraper(brief);
    const summary = await s.handler(event, ctx);
    expect([summary.retries, summary.documents]).toEqual([2, 2]);
    expect(s.published()[0]).toMatchObject({ CloudWatchRetries: 2, DocumentsForwarded: 2, MetricsRequested: 2 });
    brief.restore();
  });

  it('records the stream does not take throw a KinesisWriteError, with nothing counted as written', async () => {
    const cw = fakeCloudWatch(world());
    const s = scraper(cw, { KINESIS_STREAM_NAME: 'no-such-stream' });
    await expect(s.handler(event, ctx)).rejects.toMatchObject({ name: 'KinesisWriteError' });
    expect(s.published()[0]).toMatchObject({ DocumentsForwarded: 0, Records: 0, MetricsRead: 2 });
    cw.restore();
  });

  it('queries answered Forbidden are counted by status; the other metrics are written', async () => {
    const cw = fakeCloudWatch(world());
    cw.mock.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((q, i) => (i === 0 ? { Id: q.Id, StatusCode: 'Forbidden' } : { Id: q.Id, StatusCode: 'Complete', Timestamps: [new Date(T)], Values: [5] })),
    }));
    const s = scraper(cw);
    const summary = await s.handler(event, ctx);
    expect([summary.failedQueries, summary.documents, summary.points]).toEqual([{ Forbidden: 1 }, 1, 1]);
    expect(s.published()[0]).toMatchObject({ QueriesFailed: 1, 'QueriesFailed.Forbidden': 1 });
    expect(s.logger.entries.some((e) => e.level === 'warn' && /Forbidden/.test(e.message))).toBe(true);
    cw.restore();
  });

  it('an event without a usable time is run for the time it arrives; a skewed time for its nearest minute', async () => {
    const cw = fakeCloudWatch(world());
    const handler = createScraperHandler({ config: loadScraperConfig(ENV), cloudwatch: cw.client, kinesis: kinesis.client, logger: createMemoryLogger(), now: () => T + 60_000 });
    const summary = await handler({ time: 'yesterday' }, ctx);
    expect(summary.window).toEqual({ start: new Date(T).toISOString(), end: new Date(T + 60_000).toISOString() });
    // A time a little before or after the minute reads that minute's window: it is taken to the nearest minute.
    for (const skew of [-1_000, 20_000]) expect((await handler({ time: new Date(T + 60_000 + skew).toISOString() }, ctx)).window).toEqual(summary.window);
    cw.restore();
  });
});
