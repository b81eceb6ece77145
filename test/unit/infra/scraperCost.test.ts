import { describe, expect, it } from 'vitest';
import { loadScraperConfig, type ScraperConfig } from '../../../functions/metrics-scraper/config.ts';
import { LAMBDA_METRICS } from '../../../functions/metrics-scraper/lambdaMetrics.ts';
import { STATISTICS } from '../../../functions/metrics-scraper/spec.ts';
import { scraperCost, scraperCostLines } from '../../../infra/serverless/scraperCost.ts';

/** The scraper's settings as its cold start loads them, from these variables. */
const config = (env: Record<string, string> = {}): ScraperConfig =>
  loadScraperConfig({ AWS_REGION: 'us-east-1', KINESIS_STREAM_NAME: 's', PIPELINE_LOG_GROUP_PREFIX: '/aws/lambda/emf-fanout-', ...env });

const MONTH = 30 * 86_400;
/** $0.01 per 1,000. */
const price = (n: number) => (n * 0.01) / 1000;
const sqs = (type: string, metrics: string[] = ['ApproximateAgeOfOldestMessage']) => ({ namespace: 'AWS/SQS', metrics, dimensions: { QueueName: '*' }, type, unit: 'Seconds' });

describe('the metrics scraper\'s cost estimate', () => {
  it('prices one metric of each selected type for a month: its statistics × the runs', () => {
    for (const interval of [60, 300]) {
      const c = config({ SCRAPER_INTERVAL_SECONDS: String(interval), SCRAPER_METRICS: JSON.stringify([sqs('distribution')]) });
      const k = scraperCost(c, 0);
      const runs = MONTH / interval;
      expect(k.runsPerMonth).toBe(runs);
      expect(k.perType).toEqual(
        (['count', 'gauge', 'distribution'] as const).map((type) => ({ type, statistics: STATISTICS[type].length, requested: STATISTICS[type].length * runs, usd: price(STATISTICS[type].length * runs) })),
      );
    }
    // At the default interval: what docs and the params file quote.
    const lines = scraperCostLines(config({ SCRAPER_METRICS: JSON.stringify([sqs('distribution')]) }), 0);
    const runs = MONTH / 60;
    expect(lines).toContain(`  one count metric (1 statistic): ${runs.toLocaleString('en-US')} requested a month = $${price(runs).toFixed(2)}`);
    expect(lines).toContain(`  one distribution metric (4 statistics): ${(4 * runs).toLocaleString('en-US')} requested a month = $${price(4 * runs).toFixed(2)}`);
    expect([price(runs).toFixed(2), price(4 * runs).toFixed(2)]).toEqual(['0.43', '1.73']);
  });

  it('gives the most it can cost: SCRAPER_MAX_METRICS × the most statistics of the selected types × the runs', () => {
    const countsOnly = scraperCost(config({ SCRAPER_LAMBDA_METRICS: 'Errors,Throttles', SCRAPER_MAX_METRICS: '200' }), 0);
    expect(countsOnly.perType.map((t) => t.type)).toEqual(['count']);
    expect(countsOnly.most).toEqual({ metrics: 200, statistics: 1, requested: 200 * (MONTH / 60), usd: price(200 * (MONTH / 60)) });
    const withDistribution = scraperCost(config({ SCRAPER_INTERVAL_SECONDS: '120', SCRAPER_METRICS: JSON.stringify([sqs('distribution')]) }), 0);
    expect(withDistribution.most).toEqual({ metrics: 500, statistics: 4, requested: 500 * 4 * (MONTH / 120), usd: price(500 * 4 * (MONTH / 120)) });
    expect(scraperCostLines(config(), 0)[1]).toBe(
      `  at most: 500 metrics (SCRAPER_MAX_METRICS) × 1 statistic × ${(MONTH / 60).toLocaleString('en-US')} runs = ${(500 * (MONTH / 60)).toLocaleString('en-US')} requested a month = $${price(500 * (MONTH / 60)).toFixed(2)}`,
    );
  });

  it('estimates the functions named in subscribeLogGroupNames: each with the function-scoped Lambda metrics, plus the account-level ones', () => {
    const fn = LAMBDA_METRICS.filter((m) => m.scopes.includes('function'));
    const account = LAMBDA_METRICS.filter((m) => m.scopes.includes('account'));
    const stats = (ms: typeof LAMBDA_METRICS) => ms.reduce((n, m) => n + STATISTICS[m.type].length, 0);
    const runs = MONTH / 60;
    const k = scraperCost(config(), 3);
    const requested = (3 * stats(fn) + stats(account)) * runs;
    expect(k.named).toEqual({ functions: 3, functionMetrics: fn.length, accountMetrics: account.length, metrics: 3 * fn.length + account.length, capped: false, requested, usd: price(requested) });
    expect(scraperCostLines(config(), 3).join('\n')).toContain(`= $${price(requested).toFixed(2)}, plus the functions that prefixes, patterns and tags select`);
    // A subset of the Lambda metrics: only those.
    const some = scraperCost(config({ SCRAPER_LAMBDA_METRICS: 'Errors,UnreservedConcurrentExecutions' }), 2);
    expect(some.named).toMatchObject({ functionMetrics: 1, accountMetrics: 1, metrics: 3, requested: 3 * runs });
    // Over the cap, a run reads SCRAPER_MAX_METRICS of them.
    const capped = scraperCost(config({ SCRAPER_MAX_METRICS: '10' }), 3);
    expect(capped.named).toMatchObject({ metrics: 3 * fn.length + account.length, capped: true, requested: 10 * runs });
    expect(scraperCostLines(config({ SCRAPER_MAX_METRICS: '10' }), 3).join('\n')).toContain('(over SCRAPER_MAX_METRICS: 10 are read)');
    // No named function, or no Lambda metric read: nothing to estimate.
    expect(scraperCost(config(), 0).named).toBeUndefined();
    expect(scraperCost(config({ SCRAPER_LAMBDA_METRICS: 'none', SCRAPER_METRICS: JSON.stringify([sqs('gauge')]) }), 3).named).toBeUndefined();
  });

  it('counts ListMetrics calls: one per metric name and namespace, per discovery (every run when discovery is shorter than the interval)', () => {
    const selections = JSON.stringify([sqs('gauge', ['A', 'B']), sqs('count', ['B', 'C']), { ...sqs('gauge', ['A']), namespace: 'AWS/SNS' }]);
    const names = LAMBDA_METRICS.length + 3 + 1;
    for (const [discovery, interval, runsPerDiscovery] of [
      [900, 60, 15],
      [0, 60, 1],
      [30, 60, 1],
      [100, 60, 2],
      [900, 300, 3],
    ] as const) {
      const k = scraperCost(config({ SCRAPER_METRICS: selections, SCRAPER_DISCOVERY_SECONDS: String(discovery), SCRAPER_INTERVAL_SECONDS: String(interval) }), 0);
      const discoveries = MONTH / interval / runsPerDiscovery;
      expect(k.listMetrics).toEqual({ callsPerDiscovery: names, discoveriesPerMonth: discoveries, requests: names * discoveries, usd: price(names * discoveries) });
    }
  });
});
