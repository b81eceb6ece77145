/**
 * Which metrics a run reads: found with `ListMetrics` (only metrics with data in the last three hours,
 * `RecentlyActive`), kept for `SCRAPER_DISCOVERY_SECONDS` by the container, so a run every minute does not
 * list every minute.
 *
 * - The default Lambda metrics (lambdaMetrics.ts): per function (dimension `FunctionName` alone) for the
 *   functions whose log group, `/aws/lambda/<name>`, the subscription rules select (the same rules as the
 *   subscription tool and the new-log-group function: names, prefixes, patterns, exclusions, tags), and the
 *   account-level ones (no dimension). A function's verdict is kept for the container's life.
 * - `SCRAPER_METRICS` selections: the named metrics of a namespace whose dimension names are exactly the
 *   selection's, each value matching (exact, a prefix written `prefix*`, or `*`).
 *
 * The specs are sorted by identity and capped at `SCRAPER_MAX_METRICS`: the same metrics are read every run,
 * and the rest are counted (`over_cap`) in every run's summary.
 */
import { ListMetricsCommand, type CloudWatchClient, type Metric } from '@aws-sdk/client-cloudwatch';
import { judgeName, missingTag, needsTags } from '../../shared/subscriptions/selection.ts';
import { mapPool } from '../../shared/subscriptions/pool.ts';
import { withBackoff, type BackoffOptions } from '../../shared/subscriptions/retry.ts';
import type { MetricSelection, ScraperConfig } from './config.ts';
import { LAMBDA_NAMESPACE } from './lambdaMetrics.ts';
import { specKey, type MetricSpec } from './spec.ts';

/** Pages of one ListMetrics listing read at most (500 metrics each). */
const MAX_PAGES = 200;
/** ListTagsForResource calls in flight at once (CloudWatch Logs allows a few control-plane calls per second; throttling is retried). */
const TAG_CONCURRENCY = 8;

export interface DiscoveryResult {
  /** At most `maxMetrics`, sorted by `specKey`. */
  specs: readonly MetricSpec[];
  /** Metrics found but not read, by reason. */
  skipped: Readonly<Record<string, number>>;
  /** ListMetrics (and ListTagsForResource) calls of the discovery that produced this result; 0 when it came from the cache. */
  listCalls: number;
  /** When it was found, ms since the epoch. */
  at: number;
}

export interface DiscoveryDeps {
  cloudwatch: CloudWatchClient;
  /** Tags of a log group by ARN (ListTagsForResource); called only when the rules require tags. */
  logGroupTags?: (arn: string) => Promise<Readonly<Record<string, string>>>;
  account: string;
  /** The ARN partition (`aws`, `aws-cn`, `aws-us-gov`): the function's own. @default aws */
  partition?: string;
  backoff: BackoffOptions;
}

type Dimensions = readonly (readonly [string, string])[];

/** A metric's dimensions as name/value pairs sorted by name; undefined when one is not a string pair. */
function dimensionsOf(m: Metric): Dimensions | undefined {
  const out: [string, string][] = [];
  for (const d of m.Dimensions ?? []) {
    if (typeof d.Name !== 'string' || typeof d.Value !== 'string') return undefined;
    out.push([d.Name, d.Value]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const valueMatches = (pattern: string, value: string): boolean => (pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern);

/** True when the metric's dimensions are exactly the selection's names and each value matches. */
function selected(dims: Dimensions, s: MetricSelection): boolean {
  if (dims.length !== s.dimensions.length) return false;
  for (let i = 0; i < dims.length; i++) {
    const [name, pattern] = s.dimensions[i]!;
    if (dims[i]![0] !== name || !valueMatches(pattern, dims[i]![1])) return false;
  }
  return true;
}

/** Lists the metrics of one namespace and name active in the last three hours, every page. */
async function listMetrics(deps: DiscoveryDeps, namespace: string, name: string, counter: { calls: number }): Promise<Metric[]> {
  const out: Metric[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    if (++pages > MAX_PAGES) throw new Error(`ListMetrics returned more than ${MAX_PAGES} pages for ${namespace} ${name}`);
    const page = await withBackoff(
      () => deps.cloudwatch.send(new ListMetricsCommand({ Namespace: namespace, MetricName: name, RecentlyActive: 'PT3H', ...(token === undefined ? {} : { NextToken: token }) })),
      deps.backoff,
    );
    counter.calls++;
    out.push(...(page.Metrics ?? []));
    token = page.NextToken;
  } while (token !== undefined && token !== '');
  return out;
}

/** Finds the specs of `config` now (no cache). */
export async function discover(config: ScraperConfig, deps: DiscoveryDeps, now: number, verdicts: Map<string, boolean> = new Map()): Promise<DiscoveryResult> {
  const counter = { calls: 0 };
  const skipped: Record<string, number> = {};
  const skip = (reason: string) => void (skipped[reason] = (skipped[reason] ?? 0) + 1);
  const specs = new Map<string, MetricSpec>();
  const add = (s: MetricSpec) => {
    const key = specKey(s);
    if (!specs.has(key)) specs.set(key, s);
  };

  // Which functions' log groups the rules select. With tag rules, a log group's tags are read once per container
  // (`verdicts`), several at a time: a tag changed later counts from the next cold start.
  const rules = config.rules;
  const listed: { lm: (typeof config.lambdaMetrics)[number]; dims: Dimensions }[] = [];
  for (const lm of config.lambdaMetrics) {
    for (const m of await listMetrics(deps, LAMBDA_NAMESPACE, lm.name, counter)) {
      const dims = dimensionsOf(m);
      if (dims !== undefined) listed.push({ lm, dims });
    }
  }
  const fnOf = (dims: Dimensions) => (dims.length === 1 && dims[0]![0] === 'FunctionName' ? dims[0]![1] : undefined);
  const unjudged = [...new Set(listed.map((x) => fnOf(x.dims)).filter((fn): fn is string => fn !== undefined && !verdicts.has(fn)))];
  await mapPool(unjudged, TAG_CONCURRENCY, async (fn) => {
    const logGroup = `/aws/lambda/${fn}`;
    if (judgeName(rules, logGroup).kind !== 'matched') return void verdicts.set(fn, false);
    if (!needsTags(rules)) return void verdicts.set(fn, true);
    if (deps.logGroupTags === undefined) return void verdicts.set(fn, false);
    try {
      counter.calls++;
      const tags = await deps.logGroupTags(`arn:${deps.partition ?? 'aws'}:logs:${config.region}:${deps.account}:log-group:${logGroup}`);
      verdicts.set(fn, missingTag(rules, tags) === undefined);
    } catch {
      // Not remembered: asked again at the next discovery.
      skip('log_group_tags_unreadable');
    }
  });
  for (const { lm, dims } of listed) {
    const spec = { namespace: LAMBDA_NAMESPACE, name: lm.name, dimensions: dims, type: lm.type, unit: lm.unit };
    const fn = fnOf(dims);
    if (dims.length === 0 ? lm.scopes.includes('account') : fn !== undefined && lm.scopes.includes('function') && verdicts.get(fn) === true) add(spec);
  }
  for (const s of config.selections) {
    for (const name of s.metrics) {
      for (const m of await listMetrics(deps, s.namespace, name, counter)) {
        const dims = dimensionsOf(m);
        if (dims !== undefined && selected(dims, s)) add({ namespace: s.namespace, name, dimensions: dims, type: s.type, unit: s.unit });
      }
    }
  }
  const all = [...specs.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, s]) => s);
  if (all.length > config.maxMetrics) skipped.over_cap = all.length - config.maxMetrics;
  return { specs: all.slice(0, config.maxMetrics), skipped, listCalls: counter.calls, at: now };
}

/** `discover`, kept for `config.discoverySeconds` (a container's runs share it; 0 lists every run). */
export function createDiscovery(config: ScraperConfig, deps: DiscoveryDeps): (now: number) => Promise<DiscoveryResult> {
  let last: DiscoveryResult | undefined;
  const verdicts = new Map<string, boolean>();
  return async (now) => {
    if (last !== undefined && now >= last.at && now - last.at < config.discoverySeconds * 1000) return { ...last, listCalls: 0 };
    last = await discover(config, deps, now, verdicts);
    return last;
  };
}
