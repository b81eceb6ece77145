/**
 * Which metrics a run reads: found with `ListMetrics` (only metrics with data in the last three hours,
 * `RecentlyActive`), kept for `SCRAPER_DISCOVERY_SECONDS` by the container, so a run every minute does not
 * list every minute.
 *
 * - The default Lambda metrics (lambdaMetrics.ts): per function (dimension `FunctionName` alone) for the
 *   functions whose log group, `/aws/lambda/<name>`, the subscription rules select (the same rules as the
 *   subscription tool and the new-log-group function: names, prefixes, patterns, exclusions, tags), and the
 *   account-level ones (no dimension).
 * - `SCRAPER_METRICS` selections: the named metrics of a namespace whose dimension names are exactly the
 *   selection's, each value matching (exact, a prefix written `prefix*`, or `*`).
 *
 * The specs are sorted by identity and capped at `SCRAPER_MAX_METRICS`: the same metrics are read every run,
 * and the rest are counted (`over_cap`) in every run's summary.
 */
import { ListMetricsCommand, type CloudWatchClient, type Metric } from '@aws-sdk/client-cloudwatch';
import { judgeName, missingTag, needsTags } from '../../shared/subscriptions/selection.ts';
import { withBackoff, type BackoffOptions } from '../../shared/subscriptions/retry.ts';
import type { MetricSelection, ScraperConfig } from './config.ts';
import { LAMBDA_NAMESPACE } from './lambdaMetrics.ts';
import { specKey, type MetricSpec } from './spec.ts';

/** Pages of one ListMetrics listing read at most (500 metrics each). */
const MAX_PAGES = 200;

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
export async function discover(config: ScraperConfig, deps: DiscoveryDeps, now: number): Promise<DiscoveryResult> {
  const counter = { calls: 0 };
  const skipped: Record<string, number> = {};
  const skip = (reason: string) => void (skipped[reason] = (skipped[reason] ?? 0) + 1);
  const specs = new Map<string, MetricSpec>();
  const add = (s: MetricSpec) => {
    const key = specKey(s);
    if (!specs.has(key)) specs.set(key, s);
  };

  // Whether the function's log group is selected; tags are fetched once per log group and discovery.
  const rules = config.rules;
  const verdicts = new Map<string, Promise<boolean>>();
  const functionSelected = (fn: string): Promise<boolean> => {
    let v = verdicts.get(fn);
    if (v === undefined) {
      const logGroup = `/aws/lambda/${fn}`;
      v = (async () => {
        if (judgeName(rules, logGroup).kind !== 'matched') return false;
        if (!needsTags(rules)) return true;
        if (deps.logGroupTags === undefined) return false;
        try {
          counter.calls++;
          const tags = await deps.logGroupTags(`arn:${deps.partition ?? 'aws'}:logs:${config.region}:${deps.account}:log-group:${logGroup}`);
          return missingTag(rules, tags) === undefined;
        } catch {
          skip('log_group_tags_unreadable');
          return false;
        }
      })();
      verdicts.set(fn, v);
    }
    return v;
  };

  for (const lm of config.lambdaMetrics) {
    for (const m of await listMetrics(deps, LAMBDA_NAMESPACE, lm.name, counter)) {
      const dims = dimensionsOf(m);
      if (dims === undefined) continue;
      const spec = { namespace: LAMBDA_NAMESPACE, name: lm.name, dimensions: dims, type: lm.type, unit: lm.unit };
      if (dims.length === 0) {
        if (lm.scopes.includes('account')) add(spec);
      } else if (dims.length === 1 && dims[0]![0] === 'FunctionName' && lm.scopes.includes('function')) {
        if (await functionSelected(dims[0]![1])) add(spec);
      }
    }
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
  return async (now) => {
    if (last !== undefined && now >= last.at && now - last.at < config.discoverySeconds * 1000) return { ...last, listCalls: 0 };
    last = await discover(config, deps, now);
    return last;
  };
}
