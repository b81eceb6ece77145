/**
 * docs/metrics-scraper.md's examples, run: the params snippet is a valid configuration of the function (as the
 * deployment passes it), and the example document is exactly what the scraper writes for that datapoint, which
 * the real Prometheus and StatsD providers turn into the lines the doc shows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadScraperConfig } from '../../../functions/metrics-scraper/config.ts';
import { scraperCost } from '../../../infra/serverless/scraperCost.ts';
import { buildDocuments } from '../../../functions/metrics-scraper/documents.ts';
import { lambdaMetric } from '../../../functions/metrics-scraper/lambdaMetrics.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { fakeLambdaContext, kinesisEventFromRecords } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { encodeRecord, serialiseDocument } from '../../../shared/record/format.ts';
import { createPreviewProvider, PrometheusPreview } from '../../../local/prometheusPreview.ts';
import { createStatsdPreviewProvider, StatsdPreview } from '../../../local/statsdPreview.ts';

const DOC = readFileSync(join(import.meta.dirname, '../../../docs/metrics-scraper.md'), 'utf8');
const blocks = (lang: string) => [...DOC.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!.trim());

describe('docs/metrics-scraper.md examples', () => {
  it('the params snippet configures the scraper: every five minutes, one-minute periods, and the SQS selection', () => {
    const params = parse(blocks('yaml')[0]!) as { metricsScraperEnabled: boolean; metricsScraperEnvironment: Record<string, string>; metricsScraperMetrics: unknown[] };
    expect(params.metricsScraperEnabled).toBe(true);
    const config = loadScraperConfig({
      ...params.metricsScraperEnvironment, SCRAPER_METRICS: JSON.stringify(params.metricsScraperMetrics),
      KINESIS_STREAM_NAME: 's', AWS_REGION: 'us-east-1', PIPELINE_LOG_GROUP_PREFIX: '/aws/lambda/emf-fanout-dev-',
    });
    expect([config.intervalSeconds, config.periodSeconds]).toEqual([300, 60]);
    expect(config.selections).toEqual([{ namespace: 'AWS/SQS', metrics: ['ApproximateAgeOfOldestMessage'], dimensions: [['QueueName', 'orders-*']], type: 'gauge', unit: 'Seconds' }]);
  });

  it('the example document is what the scraper writes, and the providers make the lines shown', async () => {
    const [json] = blocks('json');
    const lm = lambdaMetric('ConcurrentExecutions')!;
    const at = Date.parse('2026-12-06T12:03:00Z');
    const { origins } = buildDocuments([{ namespace: 'AWS/Lambda', name: lm.name, dimensions: [['FunctionName', 'orders-api']], type: lm.type, unit: lm.unit }], [{ metric: 0, timestamp: at, value: 17 }], { owner: '123456789012', region: 'us-east-1', periodSeconds: 60 });
    expect(origins[0]!.documents.map((d) => d.emf)).toEqual([json]);

    const event = kinesisEventFromRecords([encodeRecord(origins[0]!.ctx, origins[0]!.documents.map(serialiseDocument), 'none')]);
    const prom = new PrometheusPreview();
    const statsd = new StatsdPreview();
    const local = await createStatsdPreviewProvider({}, statsd);
    if (!('provider' in local)) throw new Error('the StatsD preview is a provider');
    for (const provider of [await createPreviewProvider({}, prom), local.provider]) {
      expect((await createConsumerHandler(provider, { env: {}, logger: createMemoryLogger() })(event, fakeLambdaContext())).batchItemFailures).toEqual([]);
    }
    await local.close?.();
    // The writer label's value is the container's own (docs/prometheus.md): the doc leaves it out.
    const promLine = prom.render().split('\n')[1]!.replace(/emf_fanout_writer="[0-9a-f]+",/, '');
    const statsdLine = statsd.render().split('\n')[1]!;
    const shown = /as the gauge `([^`]+)`, and StatsD\s+as `([^`]+)`/.exec(DOC);
    expect(shown?.slice(1)).toEqual([promLine, statsdLine]);
  });

  it('the cost table: the scraper\'s rows are what npm run package computes, the others the same arithmetic at their prices', () => {
    const rows = new Map([...DOC.matchAll(/^\| ([^|]+) \| ([^|]+) \| \$([\d,.]+)/gm)].map((m) => [m[1]!.trim(), { billed: m[2]!, usd: Number(m[3]!.replace(/,/g, '')) }]));
    const row = (start: string) => [...rows].find(([k]) => k.startsWith(start))?.[1];
    // 100 count or gauge metrics (one statistic each), every run.
    const config = loadScraperConfig({ KINESIS_STREAM_NAME: 's', AWS_REGION: 'us-east-1', PIPELINE_LOG_GROUP_PREFIX: '/p-', SCRAPER_LAMBDA_METRICS: 'Throttles,ConcurrentExecutions', SCRAPER_MAX_METRICS: '100' });
    expect(row('this scraper, every minute')?.usd).toBe(scraperCost(config, 0).most.usd);
    expect(row('this scraper, `SCRAPER_INTERVAL_SECONDS')?.usd).toBe(scraperCost({ ...config, intervalSeconds: 300 }, 0).most.usd);
    const runs = (interval: number) => (30 * 86_400) / interval;
    expect(row('YACE-style scraping every minute')?.usd).toBeCloseTo((400 * runs(60) * 0.01) / 1000, 9);
    expect(row('YACE-style scraping with its default 300 s')?.usd).toBeCloseTo((400 * runs(300) * 0.01) / 1000, 9);
    expect(row('CloudWatch Metric Streams')?.usd).toBeCloseTo((100 * runs(60) * 0.003) / 1000, 9);
    expect([...rows.keys()].filter((k) => /scraper|YACE|Metric Streams/.test(k))).toHaveLength(5);
  });
});
