/**
 * The metrics scraper's settings, from its environment at cold start (`npm run package` runs this same check
 * on the packaged environment, so a bad value fails there, naming its variable). docs/metrics-scraper.md lists
 * them with their params.
 */
import { type Env, optionalInt, optionalList, optionalString, requireString } from '../../shared/config/env.ts';
import { isEmfUnit, type EmfUnit } from '../../shared/emf/constants.ts';
import { ConfigError } from '../../shared/errors.ts';
import { pipelineFunctionName, pipelineMetricsEnabled } from '../../shared/pipeline/PipelineMetricsPublisher.ts';
import type { SelectionRules } from '../../shared/subscriptions/selection.ts';
import { selectionRulesFromEnv } from '../../shared/subscriptions/selectionEnv.ts';
import { LAMBDA_METRICS, type LambdaMetric } from './lambdaMetrics.ts';
import { SCRAPE_TYPES, type ScrapeType } from './spec.ts';

/** One selection of `SCRAPER_METRICS`: metrics of a namespace, with exactly these dimensions. */
export interface MetricSelection {
  namespace: string;
  metrics: readonly string[];
  /** Dimension name → value: exact, or a prefix written with a trailing `*` (`*` alone: any value). A metric is read when its dimension names are exactly these. */
  dimensions: readonly (readonly [string, string])[];
  type: ScrapeType;
  unit: EmfUnit;
}

export interface ScraperConfig {
  streamName: string;
  region: string;
  /** Seconds between runs (the schedule), a whole number of periods. */
  intervalSeconds: number;
  periodSeconds: number;
  /** How long after a period ends it is read. */
  delaySeconds: number;
  /** The default AWS/Lambda metrics read (`SCRAPER_LAMBDA_METRICS`). */
  lambdaMetrics: readonly LambdaMetric[];
  /** The functions whose Lambda metrics are read: those whose log groups these rules select. */
  rules: SelectionRules;
  selections: readonly MetricSelection[];
  /** Most metrics read per run; the rest are counted (`over_cap`), the same ones every run. */
  maxMetrics: number;
  /** How long a container keeps what ListMetrics found. */
  discoverySeconds: number;
  /** How far back a metric new to the container is read (ListMetrics shows a new metric late, and the container keeps its list). */
  catchUpSeconds: number;
  deadlineMarginMs: number;
  retryAttempts: number;
  pipelineMetrics: boolean;
  functionName: string;
}

/** CloudWatch's limits on names (namespace 255, metric name 255, dimension name and value 255 and 1024, 30 dimensions). */
const MAX_NAME = 255;
const MAX_DIMENSION_VALUE = 1024;
const MAX_DIMENSIONS = 30;
/** Selections and metric names in `SCRAPER_METRICS`: far more than a run may read, a bound on a setting's size. */
const MAX_SELECTIONS = 100;
const MAX_METRICS_PER_SELECTION = 100;
/** How far back a run may read: ListMetrics is asked for the metrics with data in the last three hours (`RecentlyActive`). */
const MAX_LOOKBACK_SECONDS = 10_800;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isName = (v: unknown, max = MAX_NAME): v is string => typeof v === 'string' && v !== '' && v.length <= max;

/** `SCRAPER_METRICS`: a JSON array of `{namespace, metrics, dimensions?, type, unit?}`. */
function parseSelections(env: Env): MetricSelection[] {
  const key = 'SCRAPER_METRICS';
  const raw = optionalString(env, key);
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(key, 'must be a JSON array of {namespace, metrics, dimensions, type, unit}');
  }
  if (!Array.isArray(parsed) || parsed.length > MAX_SELECTIONS) throw new ConfigError(key, `must be a JSON array of at most ${MAX_SELECTIONS} selections`);
  return parsed.map((s: unknown, i) => {
    const at = `selection ${i + 1}`;
    if (!isPlainObject(s)) throw new ConfigError(key, `${at} must be an object {namespace, metrics, dimensions, type, unit}`);
    for (const k of Object.keys(s)) {
      if (!['namespace', 'metrics', 'dimensions', 'type', 'unit'].includes(k)) throw new ConfigError(key, `${at} has an unknown key "${k.slice(0, 40)}" (namespace, metrics, dimensions, type, unit)`);
    }
    if (!isName(s.namespace)) throw new ConfigError(key, `${at}: namespace must be a string of 1-${MAX_NAME} characters`);
    if (!Array.isArray(s.metrics) || s.metrics.length === 0 || s.metrics.length > MAX_METRICS_PER_SELECTION || !s.metrics.every((m) => isName(m))) {
      throw new ConfigError(key, `${at} (${s.namespace}): metrics must be a list of 1-${MAX_METRICS_PER_SELECTION} metric names`);
    }
    const dims = s.dimensions ?? {};
    if (!isPlainObject(dims) || Object.keys(dims).length > MAX_DIMENSIONS) throw new ConfigError(key, `${at} (${s.namespace}): dimensions must be a map of at most ${MAX_DIMENSIONS} names to values`);
    const dimensions = Object.entries(dims).map(([name, value]): [string, string] => {
      if (!isName(name) || !isName(value, MAX_DIMENSION_VALUE)) throw new ConfigError(key, `${at} (${s.namespace}): dimension ${JSON.stringify(name).slice(0, 60)} must have a non-empty string value ("*" for any)`);
      return [name, value];
    });
    dimensions.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    if (typeof s.type !== 'string' || !(SCRAPE_TYPES as readonly string[]).includes(s.type)) {
      throw new ConfigError(key, `${at} (${s.namespace}): type must be one of ${SCRAPE_TYPES.join(', ')} (docs/metrics-scraper.md#types)`);
    }
    const unit = s.unit ?? 'None';
    if (typeof unit !== 'string' || !isEmfUnit(unit)) throw new ConfigError(key, `${at} (${s.namespace}): unit must be a CloudWatch unit (Count, Milliseconds, Bytes, …)`);
    for (const m of s.metrics as string[]) {
      if (dimensions.some(([d]) => d === m)) throw new ConfigError(key, `${at} (${s.namespace}): metric "${m}" has the name of a dimension, which one EMF document cannot hold`);
    }
    return { namespace: s.namespace, metrics: [...new Set(s.metrics as string[])], dimensions, type: s.type as ScrapeType, unit };
  });
}

/** `SCRAPER_LAMBDA_METRICS`: names of the default list (all of them when unset), or `none`. */
function parseLambdaMetrics(env: Env): LambdaMetric[] {
  const names = optionalList(env, 'SCRAPER_LAMBDA_METRICS');
  if (names.length === 0) return [...LAMBDA_METRICS];
  if (names.length === 1 && names[0] === 'none') return [];
  return names.map((n) => {
    const m = LAMBDA_METRICS.find((x) => x.name === n);
    if (m === undefined) throw new ConfigError('SCRAPER_LAMBDA_METRICS', `"${n}" is not one of ${LAMBDA_METRICS.map((x) => x.name).join(', ')} (or "none"); other metrics go in SCRAPER_METRICS with their type`);
    return m;
  });
}

export function loadScraperConfig(env: Env): ScraperConfig {
  const region = optionalString(env, 'AWS_REGION') ?? optionalString(env, 'AWS_DEFAULT_REGION');
  if (region === undefined) throw new ConfigError('AWS_REGION', 'is required (Lambda sets it)');
  const periodSeconds = optionalInt(env, 'SCRAPER_PERIOD_SECONDS', 60, { min: 60, max: 3_600 });
  if (periodSeconds % 60 !== 0) throw new ConfigError('SCRAPER_PERIOD_SECONDS', `must be a multiple of 60 (CloudWatch's standard resolution), got ${periodSeconds}`);
  const intervalSeconds = optionalInt(env, 'SCRAPER_INTERVAL_SECONDS', 60, { min: 60, max: MAX_LOOKBACK_SECONDS });
  if (intervalSeconds % periodSeconds !== 0) throw new ConfigError('SCRAPER_INTERVAL_SECONDS', `must be a whole number of periods (SCRAPER_PERIOD_SECONDS=${periodSeconds}), got ${intervalSeconds}`);
  const delaySeconds = optionalInt(env, 'SCRAPER_DELAY_SECONDS', 180, { min: 0, max: 3_600 });
  const discoverySeconds = optionalInt(env, 'SCRAPER_DISCOVERY_SECONDS', 900, { min: 0, max: 3_600 });
  // ListMetrics' delay for a new metric (up to 15 minutes) plus the container's own keeping of the list.
  const catchUpSeconds = optionalInt(env, 'SCRAPER_CATCH_UP_SECONDS', discoverySeconds + 900, { min: 0, max: MAX_LOOKBACK_SECONDS });
  if (delaySeconds + Math.max(intervalSeconds, catchUpSeconds) > MAX_LOOKBACK_SECONDS) {
    throw new ConfigError('SCRAPER_INTERVAL_SECONDS', `with SCRAPER_DELAY_SECONDS and SCRAPER_CATCH_UP_SECONDS reaches back ${delaySeconds + Math.max(intervalSeconds, catchUpSeconds)} s; ListMetrics lists the metrics with data in the last ${MAX_LOOKBACK_SECONDS} s only, so a run may reach back no further`);
  }
  const lambdaMetrics = parseLambdaMetrics(env);
  const selections = parseSelections(env);
  if (lambdaMetrics.length === 0 && selections.length === 0) throw new ConfigError('SCRAPER_LAMBDA_METRICS', 'is "none" and SCRAPER_METRICS selects nothing: the scraper would read no metric');
  return Object.freeze({
    streamName: requireString(env, 'KINESIS_STREAM_NAME'),
    region,
    intervalSeconds,
    periodSeconds,
    delaySeconds,
    lambdaMetrics,
    rules: selectionRulesFromEnv(env),
    selections,
    maxMetrics: optionalInt(env, 'SCRAPER_MAX_METRICS', 500, { min: 1, max: 100_000 }),
    discoverySeconds,
    catchUpSeconds,
    deadlineMarginMs: optionalInt(env, 'DEADLINE_MARGIN_MS', 3_000, { min: 0, max: 600_000 }),
    retryAttempts: optionalInt(env, 'KINESIS_RETRY_ATTEMPTS', 8, { min: 0, max: 100 }),
    pipelineMetrics: pipelineMetricsEnabled(env),
    functionName: pipelineFunctionName(env, 'metrics-scraper'),
  });
}

