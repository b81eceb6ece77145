/**
 * What the metrics scraper will cost in CloudWatch API calls, printed by `npm run package` before anything is
 * deployed: GetMetricData is billed per metric requested (each statistic of each metric, every run), so the
 * settings alone (the interval, the types, the cap) decide the bill, and a setting that makes it large should
 * be seen before the first invoice.
 *
 * Prices: CloudWatch's published ones in us-east-1 (most Regions' too): GetMetricData $0.01 per 1,000 metrics
 * requested, with no free tier; other API requests (ListMetrics) $0.01 per 1,000 beyond the first 1,000,000 of
 * the month. A month is 30 days. Estimates only: the metrics that exist are known at run time.
 */
import type { ScraperConfig } from '../../functions/metrics-scraper/config.ts';
import { LAMBDA_NAMESPACE, type LambdaMetric } from '../../functions/metrics-scraper/lambdaMetrics.ts';
import { SCRAPE_TYPES, STATISTICS, type ScrapeType } from '../../functions/metrics-scraper/spec.ts';

const SECONDS_PER_MONTH = 30 * 86_400;
const GET_METRIC_DATA_USD_PER_1000 = 0.01;
const API_REQUESTS_USD_PER_1000 = 0.01;
/** CloudWatch's free API requests a month (GetMetricData is not among them). */
const FREE_API_REQUESTS = 1_000_000;
/** ListMetrics returns at most this many metrics per call: a name with more takes more calls. */
const LIST_METRICS_PAGE = 500;

export type CostSettings = Pick<ScraperConfig, 'intervalSeconds' | 'maxMetrics' | 'lambdaMetrics' | 'selections' | 'discoverySeconds'>;

export interface ScraperCost {
  runsPerMonth: number;
  /** The most it can cost: SCRAPER_MAX_METRICS metrics, each with the most statistics of the types selected. */
  most: { metrics: number; statistics: number; requested: number; usd: number };
  /** One metric of each selected type, for a month. */
  perType: { type: ScrapeType; statistics: number; requested: number; usd: number }[];
  /** The functions named in subscribeLogGroupNames, with the default Lambda metrics; absent when none or no Lambda metric is read. */
  named?: { functions: number; functionMetrics: number; accountMetrics: number; metrics: number; capped: boolean; requested: number; usd: number };
  /** Discovery: one ListMetrics call per metric name (more for names with over 500 metrics). */
  listMetrics: { callsPerDiscovery: number; discoveriesPerMonth: number; requests: number; usd: number };
}

const statisticsOf = (type: ScrapeType): number => STATISTICS[type].length;
const sumStatistics = (ms: readonly LambdaMetric[]): number => ms.reduce((n, m) => n + statisticsOf(m.type), 0);

/** @param namedFunctions the exactly-named subscribed log groups under /aws/lambda/ (subscribeLogGroupNames) */
export function scraperCost(c: CostSettings, namedFunctions: number): ScraperCost {
  const runsPerMonth = SECONDS_PER_MONTH / c.intervalSeconds;
  const getUsd = (requested: number) => (requested * GET_METRIC_DATA_USD_PER_1000) / 1000;
  const selected = new Set<ScrapeType>([...c.lambdaMetrics.map((m) => m.type), ...c.selections.map((s) => s.type)]);
  const types = SCRAPE_TYPES.filter((t) => selected.has(t));
  const mostStatistics = Math.max(...types.map(statisticsOf));
  const mostRequested = c.maxMetrics * mostStatistics * runsPerMonth;
  const perType = types.map((type) => {
    const requested = statisticsOf(type) * runsPerMonth;
    return { type, statistics: statisticsOf(type), requested, usd: getUsd(requested) };
  });

  let named: ScraperCost['named'];
  if (namedFunctions > 0 && c.lambdaMetrics.length > 0) {
    const fn = c.lambdaMetrics.filter((m) => m.scopes.includes('function'));
    const account = c.lambdaMetrics.filter((m) => m.scopes.includes('account'));
    const metrics = namedFunctions * fn.length + account.length;
    const perRun = namedFunctions * sumStatistics(fn) + sumStatistics(account);
    // Over the cap, a run reads SCRAPER_MAX_METRICS of them.
    const cap = c.maxMetrics * Math.max(...c.lambdaMetrics.map((m) => statisticsOf(m.type)));
    const requested = Math.min(perRun, cap) * runsPerMonth;
    named = { functions: namedFunctions, functionMetrics: fn.length, accountMetrics: account.length, metrics, capped: metrics > c.maxMetrics, requested, usd: getUsd(requested) };
  }

  const names = new Set<string>([
    ...c.lambdaMetrics.map((m) => JSON.stringify([LAMBDA_NAMESPACE, m.name])),
    ...c.selections.flatMap((s) => s.metrics.map((m) => JSON.stringify([s.namespace, m]))),
  ]);
  // What ListMetrics found is kept discoverySeconds, and looked for again at the first run after that.
  const runsPerDiscovery = Math.max(1, Math.ceil(c.discoverySeconds / c.intervalSeconds));
  const discoveriesPerMonth = runsPerMonth / runsPerDiscovery;
  const requests = names.size * discoveriesPerMonth;
  return {
    runsPerMonth,
    most: { metrics: c.maxMetrics, statistics: mostStatistics, requested: mostRequested, usd: getUsd(mostRequested) },
    perType,
    ...(named && { named }),
    listMetrics: {
      callsPerDiscovery: names.size,
      discoveriesPerMonth,
      requests,
      usd: (requests * API_REQUESTS_USD_PER_1000) / 1000,
    },
  };
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const usd = (n: number): string => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${n === 1 ? one : many}`;

/** The estimate as the lines `npm run package` prints. */
export function scraperCostLines(c: CostSettings, namedFunctions: number): string[] {
  const k = scraperCost(c, namedFunctions);
  const lines = [
    `metrics-scraper: GetMetricData is billed per metric requested (${usd(GET_METRIC_DATA_USD_PER_1000)} per 1,000; each statistic of each metric, every run): ${count(k.runsPerMonth)} runs a month (every ${c.intervalSeconds} s, 30 days)`,
    `  at most: ${plural(k.most.metrics, 'metric')} (SCRAPER_MAX_METRICS) × ${plural(k.most.statistics, 'statistic')} × ${count(k.runsPerMonth)} runs = ${count(k.most.requested)} requested a month = ${usd(k.most.usd)}`,
    ...k.perType.map((t) => `  one ${t.type} metric (${plural(t.statistics, 'statistic')}): ${count(t.requested)} requested a month = ${usd(t.usd)}`),
  ];
  if (k.named) {
    const n = k.named;
    lines.push(
      `  the ${plural(n.functions, 'function')} named in subscribeLogGroupNames: up to ${count(n.functions)} × ${count(n.functionMetrics)} function metrics + ${count(n.accountMetrics)} account metrics = ${plural(n.metrics, 'metric')}${n.capped ? ` (over SCRAPER_MAX_METRICS: ${count(c.maxMetrics)} are read)` : ''}: ${count(n.requested)} requested a month = ${usd(n.usd)}, plus the functions that prefixes, patterns and tags select`,
    );
  }
  const l = k.listMetrics;
  lines.push(
    `  ListMetrics: ${plural(l.callsPerDiscovery, 'call')} per discovery (one per metric name, more past ${LIST_METRICS_PAGE} metrics) × ${count(l.discoveriesPerMonth)} discoveries a month (SCRAPER_DISCOVERY_SECONDS=${c.discoverySeconds}, and one per cold start) = ${count(l.requests)} requests: ${usd(l.usd)} at the API price, nothing while the account stays within CloudWatch's ${count(FREE_API_REQUESTS)} free API requests a month`,
  );
  return lines;
}
