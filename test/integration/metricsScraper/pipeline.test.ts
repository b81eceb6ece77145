/**
 * The metrics scraper end to end: scheduled runs read a CloudWatch account (aws-sdk-client-mock: CloudWatch has
 * no local implementation) whose first calls are throttled, whose answers come in pages (PartialData) and whose
 * metric listings are paged; their documents go through kinesalite (two shards) to the real Prometheus and the
 * real statsd daemon (and the schema-validating Datadog intake), one consumer container per shard and provider,
 * delivering at once. Each provider must hold
 * exactly what the mocked API returned, with the type each metric's meaning needs (Throttles a count,
 * ConcurrentExecutions a gauge of its maximum, an SQS age a distribution); a metric ListMetrics shows only at the
 * third run arrives with all its periods; and a repeated run of the same scheduled time (Lambda's retry of a
 * failed run) and a redelivered batch add nothing.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDatadogConfig } from '../../../functions/consumers/datadog/config.ts';
import { createDatadogProvider } from '../../../functions/consumers/datadog/DatadogProvider.ts';
import { loadPrometheusConfig } from '../../../functions/consumers/prometheus/config.ts';
import { createPrometheusProvider } from '../../../functions/consumers/prometheus/PrometheusProvider.ts';
import { loadStatsdConfig } from '../../../functions/consumers/statsd/config.ts';
import { StatsdProvider } from '../../../functions/consumers/statsd/StatsdProvider.ts';
import { loadScraperConfig } from '../../../functions/metrics-scraper/config.ts';
import { createScraperHandler, type ScraperSummary } from '../../../functions/metrics-scraper/scraper.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import { fakeLambdaContext, kinesisEventFromRecords } from '../../../shared/consumer/testing/kinesisEvent.ts';
import type { AnyProvider } from '../../../shared/consumer/types.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { keyOf, startDatadogReceiver, type DatadogReceiver } from '../../helpers/datadogReceiver.ts';
import { fakeCloudWatch, type FakeMetric, type Stat } from '../../helpers/fakeCloudWatch.ts';
import { startKinesalite, type Kinesalite, type StreamRecord } from '../../helpers/kinesalite.ts';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheus.ts';
import { daemonKey, startStatsdDaemon, type StatsdAggregates, type StatsdDaemon } from '../../helpers/statsdDaemon.ts';

const STREAM = 'scraped';
const ACCOUNT = '123456789012';
const MINUTE = 60_000;
/** The three periods the runs read: the last three whole minutes (Prometheus' instant queries look 5 minutes back). */
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 3 * MINUTE;
const PERIODS = [T0, T0 + MINUTE, T0 + 2 * MINUTE];
const minuteOf = (t: number) => Math.round((t - T0) / MINUTE);

const FUNCTIONS = Array.from({ length: 20 }, (_, i) => `shop-${String(i).padStart(2, '0')}`);
const QUEUES = ['orders-in', 'orders-out'];

/** The account's values: what the mocked API returns and what the providers must hold. */
const throttles = (fn: number, t: number) => (fn + minuteOf(t)) % 4;
const concurrency = (fn: number, t: number) => 5 + fn + (minuteOf(t) % 3) * 7;
const accountConcurrency = (t: number) => 100 + minuteOf(t);
/** An SQS age statistic set per queue and period, in seconds. */
const age = (q: number, t: number) => ({ Sum: 30 + q + minuteOf(t), Minimum: 1 + q, Maximum: 20 + minuteOf(t), SampleCount: 4 + q });

/** A function whose Throttles ListMetrics shows late (from the third run), with data in every period. */
const LATE = 'shop-late';
let lateListed = false;

function world(): FakeMetric[] {
  const only = (stat: Stat, v: number): ((s: Stat) => number | undefined) => (s) => (s === stat ? v : undefined);
  const inPeriods = (t: number) => PERIODS.includes(t);
  const lambda = FUNCTIONS.flatMap((fn, i): FakeMetric[] => [
    { namespace: 'AWS/Lambda', name: 'Throttles', dimensions: { FunctionName: fn }, value: (s, t) => (inPeriods(t) ? only('Sum', throttles(i, t))(s) : undefined) },
    { namespace: 'AWS/Lambda', name: 'ConcurrentExecutions', dimensions: { FunctionName: fn }, value: (s, t) => (inPeriods(t) ? only('Maximum', concurrency(i, t))(s) : undefined) },
  ]);
  return [
    ...lambda,
    { namespace: 'AWS/Lambda', name: 'Throttles', dimensions: { FunctionName: LATE }, listed: () => lateListed, value: (s, t) => (inPeriods(t) ? only('Sum', 10 + minuteOf(t))(s) : undefined) },
    // Not selected: another team's function, and the pipeline's own.
    { namespace: 'AWS/Lambda', name: 'Throttles', dimensions: { FunctionName: 'billing' }, value: () => 1_000 },
    { namespace: 'AWS/Lambda', name: 'Throttles', dimensions: { FunctionName: 'emf-fanout-dev-forwarder' }, value: () => 1_000 },
    { namespace: 'AWS/Lambda', name: 'ConcurrentExecutions', dimensions: {}, value: (s, t) => (inPeriods(t) && s === 'Maximum' ? accountConcurrency(t) : undefined) },
    ...QUEUES.map((q, i): FakeMetric => ({ namespace: 'AWS/SQS', name: 'ApproximateAgeOfOldestMessage', dimensions: { QueueName: q }, value: (s, t) => (inPeriods(t) ? age(i, t)[s] : undefined) })),
    { namespace: 'AWS/SQS', name: 'ApproximateAgeOfOldestMessage', dimensions: { QueueName: 'billing-in' }, value: () => 1_000 },
  ];
}

const ENV = {
  KINESIS_STREAM_NAME: STREAM, AWS_REGION: 'us-east-1', PIPELINE_LOG_GROUP_PREFIX: '/aws/lambda/emf-fanout-dev-',
  SUBSCRIBE_PREFIXES: '/aws/lambda/shop-,/aws/lambda/emf-fanout-dev-',
  SCRAPER_LAMBDA_METRICS: 'Throttles,ConcurrentExecutions', SCRAPER_DELAY_SECONDS: '0', SCRAPER_DISCOVERY_SECONDS: '120',
  SCRAPER_METRICS: JSON.stringify([{ namespace: 'AWS/SQS', metrics: ['ApproximateAgeOfOldestMessage'], dimensions: { QueueName: 'orders-*' }, type: 'distribution', unit: 'Seconds' }]),
  PIPELINE_METRICS: 'false',
};

let kinesis: Kinesalite;
let prom: PrometheusServer;
let daemon: StatsdDaemon;
let datadog: DatadogReceiver;
beforeAll(async () => {
  [kinesis, prom, daemon, datadog] = await Promise.all([startKinesalite(), startPrometheus({ outOfOrderTimeWindow: '0s' }), startStatsdDaemon(), startDatadogReceiver()]);
  await kinesis.createStream(STREAM, 2);
}, 60_000);
afterAll(async () => {
  await Promise.all([kinesis?.close(), prom?.stop(), daemon?.dispose(), datadog?.close()]);
});

/** One consumer container per shard for a provider: the same handler (and de-duplication memory) for every batch of its shard. */
function containers(make: () => Promise<AnyProvider>, env: Record<string, string> = {}) {
  const byShard = new Map<string, { invoke: (e: KinesisStreamEvent) => Promise<unknown>; summaries: ConsumerSummary[]; provider: AnyProvider }>();
  return {
    async deliver(records: readonly StreamRecord[]) {
      const shards = [...new Set(records.map((r) => r.shardId))];
      await Promise.all(shards.map(async (shard) => {
        let c = byShard.get(shard);
        if (c === undefined) {
          const provider = await make();
          const summaries: ConsumerSummary[] = [];
          const handler = createConsumerHandler(provider, { env, logger: createMemoryLogger(), onSummary: (s) => summaries.push(s) });
          c = { provider, summaries, invoke: async (e) => expect((await handler(e, fakeLambdaContext({ remainingMs: 30_000 }))).batchItemFailures).toEqual([]) };
          byShard.set(shard, c);
        }
        await c.invoke(kinesisEventFromRecords(records.filter((r) => r.shardId === shard).map((r) => r.data)));
      }));
    },
    summaries: () => [...byShard.values()].flatMap((c) => c.summaries),
    providers: () => [...byShard.values()].map((c) => c.provider),
  };
}

const ours = (a: StatsdAggregates) => ({ ...a, counters: Object.fromEntries(Object.entries(a.counters).filter(([k]) => !k.startsWith('statsd.'))) });
async function readDaemonUntil(done: (a: StatsdAggregates) => boolean): Promise<StatsdAggregates> {
  const stop = Date.now() + 5_000;
  for (;;) {
    const a = ours(await daemon.read());
    if (done(a) || Date.now() > stop) return a;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('metrics scraper → kinesalite → real Prometheus and statsd daemon', () => {
  it('providers hold what CloudWatch returned, typed by meaning; a repeated run and a redelivery add nothing', { timeout: 120_000 }, async () => {
    const cw = fakeCloudWatch(world(), { pageSize: 7, throttleFirst: 2, resultsPerPage: 9 });
    const summaries: ScraperSummary[] = [];
    const scrape = createScraperHandler({
      config: loadScraperConfig(ENV), cloudwatch: cw.client, kinesis: kinesis.client, logger: createMemoryLogger(),
      backoff: { retries: 5, minTimeoutMs: 1, maxTimeoutMs: 5 }, onSummary: (s) => summaries.push(s),
    });
    const ctx = { getRemainingTimeInMillis: () => 50_000, invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:emf-fanout-dev-metrics-scraper` };
    // Runs scheduled 10 s into the minute after each period (delay 0): each reads exactly its period.
    const runAt = (t: number) => scrape({ time: new Date(t + MINUTE + 10_000).toISOString() }, ctx);
    lateListed = false;
    for (const t of PERIODS) {
      // ListMetrics shows the late function from the third run on, which lists again (SCRAPER_DISCOVERY_SECONDS 120).
      lateListed = t === PERIODS[2];
      await runAt(t);
    }

    const metrics = FUNCTIONS.length * 2 + 1 + QUEUES.length;
    expect(summaries.map((s) => [s.window.start, s.metrics, s.documents, s.points])).toEqual([
      [new Date(PERIODS[0]!).toISOString(), metrics, metrics, metrics],
      [new Date(PERIODS[1]!).toISOString(), metrics, metrics, metrics],
      // The late metric's three periods, read over the catch-up window.
      [new Date(PERIODS[2]!).toISOString(), metrics + 1, metrics + 3, metrics + 3],
    ]);
    expect(summaries.map((s) => s.caughtUp)).toEqual([metrics, undefined, 1]);
    expect([summaries[0]!.listCalls > 0, summaries[1]!.listCalls, summaries[2]!.listCalls > 0], 'discovery is kept 120 s').toEqual([true, 0, true]);
    // Count and gauge metrics are one query each, a distribution four: every query sent is counted, pages included.
    const perRun = FUNCTIONS.length * 2 + 1 + QUEUES.length * 4;
    expect(summaries.reduce((n, s) => n + s.queries, 0)).toBe(cw.queriesSent());
    expect(summaries.reduce((n, s) => n + s.calls, 0)).toBe(cw.getMetricDataCalls().length - 2);
    expect(summaries[0]!.retries).toBe(2);
    // Run 3: the known metrics over its window, the late one over the catch-up window, in two calls.
    expect(cw.getMetricDataCalls().filter((c) => c.NextToken === undefined).map((c) => c.MetricDataQueries!.length)).toEqual([perRun, perRun, perRun, perRun, perRun, 1]);

    const prometheus = containers(async () => createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: prom.remoteWriteUrl })));
    const statsd = containers(async () => new StatsdProvider(loadStatsdConfig({ STATSD_HOST: daemon.host, STATSD_PORT: String(daemon.udpPort), STATSD_TIME_TYPE: 'timing', STATSD_SAMPLE_COUNTS: 'repeat' })));
    const dd = containers(async () => createDatadogProvider(loadDatadogConfig({ DD_API_KEY_REF: 'ssm:/dd/key', DD_URL: datadog.url }), { secrets: keyOf(datadog) }));
    const first = await kinesis.readAll(STREAM);
    await Promise.all([prometheus.deliver(first), statsd.deliver(first), dd.deliver(first)]);

    // The repeated run of the second minute (Lambda retrying a run that failed after writing), and Lambda redelivering the first batch.
    await runAt(PERIODS[1]!);
    const again = (await kinesis.readAll(STREAM)).filter((r) => !first.some((f) => f.sequenceNumber === r.sequenceNumber));
    expect(again.length).toBeGreaterThan(0);
    await Promise.all([prometheus.deliver(again), statsd.deliver(again), dd.deliver(again)]);
    await Promise.all([prometheus.deliver(first), statsd.deliver(first), dd.deliver(first)]);
    for (const p of statsd.providers()) await (p as StatsdProvider).close();

    const passedOver = (c: typeof prometheus) => c.summaries().slice(-4).reduce((n, s) => n + s.duplicates.documents, 0);
    // The repeated run's documents (the late metric's among them: the id its catch-up wrote), then every first one.
    expect(passedOver(prometheus)).toBe(metrics + 1 + (3 * metrics + 3));
    expect(prometheus.summaries().every((s) => s.dataDropped === 0)).toBe(true);

    // Prometheus: counters of the Sums, gauges of the last Maximum, histograms' _sum and _count of the statistic sets.
    const one = async (expr: string) => {
      const r = await prom.instant(expr);
      expect(r, expr).toHaveLength(1);
      return r[0]!.value;
    };
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const last = PERIODS[2]!;
    const late = sum(PERIODS.map((t) => 10 + minuteOf(t)));
    expect(await one('sum(aws_lambda_throttles_total)')).toBe(sum(FUNCTIONS.flatMap((_, i) => PERIODS.map((t) => throttles(i, t)))) + late);
    expect(await one(`sum(aws_lambda_throttles_total{function_name="${LATE}"})`), 'the late metric, every period once').toBe(late);
    for (const i of [0, 7, 19]) {
      expect(await one(`sum(aws_lambda_throttles_total{function_name="${FUNCTIONS[i]}"})`)).toBe(sum(PERIODS.map((t) => throttles(i, t))));
      expect(await one(`aws_lambda_concurrent_executions{function_name="${FUNCTIONS[i]}"}`)).toBe(concurrency(i, last));
    }
    expect(await one('aws_lambda_concurrent_executions{function_name=""}')).toBe(accountConcurrency(last));
    expect(await prom.instant('{__name__=~"aws_lambda_concurrent_executions_total|aws_lambda_throttles"}'), 'each metric has its one type').toEqual([]);
    expect(await prom.instant('aws_lambda_throttles_total{function_name="billing"}')).toEqual([]);
    for (const [i, q] of QUEUES.entries()) {
      expect(await one(`aws_sqs_approximate_age_of_oldest_message_seconds_sum{queue_name="${q}"}`)).toBe(sum(PERIODS.map((t) => age(i, t).Sum)));
      expect(await one(`aws_sqs_approximate_age_of_oldest_message_seconds_count{queue_name="${q}"}`)).toBe(sum(PERIODS.map((t) => age(i, t).SampleCount)));
    }

    // The statsd daemon: counters of the Sums, gauges of the last Maximum, a timer value per observation (ms).
    const want: StatsdAggregates = { counters: {}, timers: {}, gauges: {} };
    FUNCTIONS.forEach((fn, i) => {
      want.counters[daemonKey('AWS_Lambda.Throttles', [`FunctionName:${fn}`])] = sum(PERIODS.map((t) => throttles(i, t)));
      want.gauges[daemonKey('AWS_Lambda.ConcurrentExecutions', [`FunctionName:${fn}`])] = concurrency(i, last);
    });
    want.gauges[daemonKey('AWS_Lambda.ConcurrentExecutions')] = accountConcurrency(last);
    want.counters[daemonKey('AWS_Lambda.Throttles', [`FunctionName:${LATE}`])] = late;
    QUEUES.forEach((q, i) => {
      want.timers[daemonKey('AWS_SQS.ApproximateAgeOfOldestMessage', [`QueueName:${q}`])] = PERIODS.flatMap((t) => {
        const s = age(i, t);
        const mean = (s.Sum - s.Minimum - s.Maximum) / (s.SampleCount - 2);
        return [s.Minimum, s.Maximum, ...Array<number>(s.SampleCount - 2).fill(mean)].map((v) => v * 1000);
      }).sort((a, b) => a - b);
    });
    const size = (a: StatsdAggregates) => Object.keys(a.counters).length + Object.keys(a.gauges).length + Object.values(a.timers).flat().length;
    const got = await readDaemonUntil((a) => size(a) >= size(want));
    for (const k of Object.keys(got.timers)) got.timers[k] = [...got.timers[k]!].sort((a, b) => a - b);
    expect(got).toEqual(want);
    expect((await daemon.read()).counters['statsd.bad_lines_seen']).toBe(0);

    // Datadog (distributions, the default): a count is one distribution value per period (its Sum), a gauge a
    // gauge series (type 3) whose latest point is the last Maximum, a statistic set its observations in ms.
    expect(datadog.problems()).toEqual([]);
    const values = datadog.distributionValues();
    for (const i of [0, 7, 19]) {
      expect(values.get(`AWS_Lambda.Throttles{functionname:${FUNCTIONS[i]}}`)).toEqual(PERIODS.map((t) => throttles(i, t)));
      const gauge = [...datadog.seriesPoints()].filter(([k]) => k.startsWith('AWS_Lambda.ConcurrentExecutions{') && k.includes(`functionname:${FUNCTIONS[i]}`));
      expect(gauge).toHaveLength(1);
      const points = gauge[0]![1];
      expect(points.every((p) => p.type === 3)).toBe(true);
      expect(points.reduce((a, b) => (b.timestamp >= a.timestamp ? b : a)).value).toBe(concurrency(i, last));
    }
    expect(values.get(`AWS_Lambda.Throttles{functionname:${LATE}}`)).toEqual(PERIODS.map((t) => 10 + minuteOf(t)));
    expect([...values.keys()].filter((k) => k.startsWith('AWS_Lambda.ConcurrentExecutions')), 'a gauge is never a distribution').toEqual([]);
    QUEUES.forEach((q, i) => {
      expect(values.get(`AWS_SQS.ApproximateAgeOfOldestMessage{queuename:${q}}`)?.length).toBe(sum(PERIODS.map((t) => age(i, t).SampleCount)));
    });
    cw.restore();
  });
});
