/**
 * `npm start -- --cloudwatch FILE`: a recorded GetMetricData call (the request and the response in one JSON
 * file, as the AWS CLI reads and prints them; docs/local.md#replaying-cloudwatch-metrics---cloudwatch) → the metrics scraper's
 * specs and points, so the run writes them to the stream as the deployed scraper writes what it read.
 *
 * The queries of one metric (namespace, name, dimensions) and period form one metric, typed by the statistics
 * they ask for, as the scraper asks for them (functions/metrics-scraper/spec.ts): all of Sum, Minimum, Maximum
 * and SampleCount → `distribution`; Maximum → `gauge`; Sum alone → `count`. What fits no type (Average, a
 * percentile, an expression, a Sum without a Maximum beside a Minimum…) is counted by reason and left out, as
 * are results CloudWatch did not answer `Complete` or `PartialData`.
 *
 * The file is untrusted: every member is checked with bounds, a malformed one is a `UsageError` naming the
 * member (exit 2, as a bad INPUT), and no object is indexed by a key taken from the file.
 */
import { isEmfUnit, type EmfUnit } from '../shared/emf/constants.ts';
import { UsageError } from '../shared/errors.ts';
import { lambdaMetric, LAMBDA_NAMESPACE } from '../functions/metrics-scraper/lambdaMetrics.ts';
import { pointsOf, type MetricPoint } from '../functions/metrics-scraper/metricData.ts';
import { STATISTICS, type MetricSpec, type ScrapeType, type Statistic } from '../functions/metrics-scraper/spec.ts';

/** GetMetricData's own limits, and a ceiling on what one replay reads. */
export const RECORDING_LIMITS = {
  /** Queries of one GetMetricData call. */
  queries: 500,
  /** Result entries (the CLI concatenates the pages of a call, so one query may have several). */
  results: 100_000,
  /** Datapoints over all results. */
  datapoints: 1_000_000,
  dimensions: 30,
  /** Characters of an id, namespace, metric name, dimension name or label. */
  name: 1_024,
  /** Characters of a dimension value. */
  dimensionValue: 1_024,
  /** Characters of an ISO 8601 time. */
  time: 64,
  /** Longest period accepted, seconds (one year). */
  periodSeconds: 31_536_000,
} as const;

/** Why a query, a result or a datapoint of the recording was left out. */
type RecordingSkipReason =
  | 'expression'
  | 'not_returned'
  | 'statistic_unsupported'
  | 'statistic_unused'
  | 'statistics_incomplete'
  | 'duplicate_query'
  | 'mixed_units'
  | 'result_forbidden'
  | 'result_internal_error'
  | 'result_status_other'
  | 'result_unknown_id'
  | 'period_incomplete'
  | 'outside_window';

/** The recording as the scraper's specs and points. */
export interface CloudwatchReplay {
  specs: MetricSpec[];
  /** The period of each spec, seconds (parallel to `specs`). */
  periods: number[];
  /** Each metric's periods in time order; `metric` indexes `specs`. */
  points: MetricPoint[];
  /** Queries, result entries and datapoints left out, by reason. */
  skipped: Partial<Record<RecordingSkipReason, number>>;
}

/** Every statistic the scraper asks for: a distribution's. */
const SUPPORTED: readonly Statistic[] = STATISTICS.distribution;

/** A short description of an untrusted value for a message: never the whole of it. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}

const fail = (field: string, what: string, got: unknown): never => {
  throw new UsageError(`${field} must be ${what}, got ${describe(got)}`);
};

type Obj = { readonly [k: string]: unknown };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** An own member (never one inherited from Object.prototype). */
const member = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

function obj(v: unknown, field: string): Obj {
  return isObj(v) ? v : fail(field, 'an object', v);
}
function arr(v: unknown, field: string, max: number): readonly unknown[] {
  if (!Array.isArray(v)) return fail(field, 'an array', v);
  if (v.length > max) throw new UsageError(`${field} has ${v.length} entries, more than ${max}`);
  return v;
}
function str(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string' || v === '') return fail(field, 'a non-empty string', v);
  if (v.length > max) throw new UsageError(`${field} is longer than ${max} characters`);
  return v;
}
/** An ISO 8601 time (as the CLI prints it, e.g. `2026-12-06T22:00:00+00:00`), or an epoch in seconds (as the CLI also reads it), → ms. */
function time(v: unknown, field: string, epochSeconds: boolean): number {
  if (epochSeconds && typeof v === 'number' && Number.isFinite(v)) return v * 1_000;
  if (typeof v !== 'string' || v.length > RECORDING_LIMITS.time || !/^\d{4}-\d{2}-\d{2}T/.test(v)) return fail(field, 'an ISO 8601 time such as 2026-12-06T22:00:00+00:00', v);
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : fail(field, 'an ISO 8601 time such as 2026-12-06T22:00:00+00:00', v);
}

/** One MetricStat query, checked. */
interface StatQuery {
  id: string;
  namespace: string;
  name: string;
  dimensions: [string, string][];
  period: number;
  stat: string;
  unit?: EmfUnit;
}

function statQuery(q: Obj, field: string, id: string): StatQuery {
  const ms = obj(member(q, 'MetricStat'), `${field}.MetricStat`);
  const metric = obj(member(ms, 'Metric'), `${field}.MetricStat.Metric`);
  const namespace = str(member(metric, 'Namespace'), `${field}.MetricStat.Metric.Namespace`, RECORDING_LIMITS.name);
  const name = str(member(metric, 'MetricName'), `${field}.MetricStat.Metric.MetricName`, RECORDING_LIMITS.name);
  const rawDims = member(metric, 'Dimensions');
  const dimensions: [string, string][] = [];
  const seen = new Set<string>();
  if (rawDims !== undefined) {
    arr(rawDims, `${field}.MetricStat.Metric.Dimensions`, RECORDING_LIMITS.dimensions).forEach((d, k) => {
      const at = `${field}.MetricStat.Metric.Dimensions[${k}]`;
      const o = obj(d, at);
      const dn = str(member(o, 'Name'), `${at}.Name`, RECORDING_LIMITS.name);
      const dv = str(member(o, 'Value'), `${at}.Value`, RECORDING_LIMITS.dimensionValue);
      if (seen.has(dn)) throw new UsageError(`${at}.Name ${describe(dn)} appears twice in the metric`);
      seen.add(dn);
      dimensions.push([dn, dv]);
    });
  }
  dimensions.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const period = member(ms, 'Period');
  if (typeof period !== 'number' || !Number.isInteger(period) || period < 1 || period > RECORDING_LIMITS.periodSeconds) {
    fail(`${field}.MetricStat.Period`, `an integer number of seconds from 1 to ${RECORDING_LIMITS.periodSeconds}`, period);
  }
  const stat = str(member(ms, 'Stat'), `${field}.MetricStat.Stat`, RECORDING_LIMITS.name);
  const unit = member(ms, 'Unit');
  if (unit !== undefined && (typeof unit !== 'string' || !isEmfUnit(unit))) fail(`${field}.MetricStat.Unit`, 'a CloudWatch unit (Count, Milliseconds, …)', unit);
  return { id, namespace, name, dimensions, period: period as number, stat, ...(unit !== undefined && { unit: unit as EmfUnit }) };
}

/** The type the statistics of one group make, or undefined (docs/local.md#replaying-cloudwatch-metrics---cloudwatch). */
function typeOf(stats: ReadonlySet<string>): ScrapeType | undefined {
  if (SUPPORTED.every((s) => stats.has(s))) return 'distribution';
  if (stats.has('Maximum')) return 'gauge';
  if (stats.has('Sum') && stats.size === 1) return 'count';
  return undefined;
}

/**
 * The recording `json` (parsed from the file) as specs and points. Throws a `UsageError` naming the member
 * when the file is not in the documented shape.
 */
export function parseCloudwatchRecording(json: unknown): CloudwatchReplay {
  const root = obj(json, 'the recording');
  const skipped = new Map<RecordingSkipReason, number>();
  const skip = (r: RecordingSkipReason, n = 1) => skipped.set(r, (skipped.get(r) ?? 0) + n);

  const start = member(root, 'StartTime') === undefined ? undefined : time(member(root, 'StartTime'), 'StartTime', true);
  const end = member(root, 'EndTime') === undefined ? undefined : time(member(root, 'EndTime'), 'EndTime', true);
  if (member(root, 'Messages') !== undefined) arr(member(root, 'Messages'), 'Messages', RECORDING_LIMITS.results);

  // Queries: each MetricStat query in its group (metric and period); the others counted.
  const queries = arr(member(root, 'MetricDataQueries'), 'MetricDataQueries', RECORDING_LIMITS.queries);
  const ids = new Set<string>();
  const groups = new Map<string, StatQuery[]>();
  queries.forEach((raw, i) => {
    const field = `MetricDataQueries[${i}]`;
    const q = obj(raw, field);
    const id = str(member(q, 'Id'), `${field}.Id`, RECORDING_LIMITS.name);
    if (ids.has(id)) throw new UsageError(`${field}.Id ${describe(id)} is the Id of an earlier query`);
    ids.add(id);
    const returnData = member(q, 'ReturnData');
    if (returnData !== undefined && typeof returnData !== 'boolean') fail(`${field}.ReturnData`, 'true or false', returnData);
    if (member(q, 'MetricStat') === undefined) {
      if (member(q, 'Expression') === undefined) throw new UsageError(`${field} has neither MetricStat nor Expression`);
      str(member(q, 'Expression'), `${field}.Expression`, RECORDING_LIMITS.name);
      skip('expression');
      return;
    }
    const sq = statQuery(q, field, id);
    if (returnData === false) return void skip('not_returned');
    const key = JSON.stringify([sq.namespace, sq.name, sq.dimensions, sq.period]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [sq]);
    else group.push(sq);
  });

  // Groups → specs; each kept query's id → its spec and statistic.
  const specs: MetricSpec[] = [];
  const periods: number[] = [];
  const byId = new Map<string, { metric: number; stat: Statistic }>();
  const dropped = new Set<string>();
  for (const group of groups.values()) {
    const stats = new Map<string, StatQuery>();
    for (const q of group) {
      if (!(SUPPORTED as readonly string[]).includes(q.stat)) skip('statistic_unsupported');
      else if (stats.has(q.stat)) skip('duplicate_query');
      else {
        stats.set(q.stat, q);
        continue;
      }
      dropped.add(q.id);
    }
    const type = typeOf(new Set(stats.keys()));
    const units = new Set([...stats.values()].flatMap((q) => (q.unit === undefined ? [] : [q.unit])));
    const skipGroup = (r: RecordingSkipReason) => {
      skip(r, stats.size);
      for (const q of stats.values()) dropped.add(q.id);
    };
    if (stats.size === 0) continue;
    if (type === undefined) {
      skipGroup('statistics_incomplete');
      continue;
    }
    if (units.size > 1) {
      skipGroup('mixed_units');
      continue;
    }
    const first = group[0]!;
    const unit = [...units][0] ?? (first.namespace === LAMBDA_NAMESPACE ? lambdaMetric(first.name)?.unit : undefined) ?? 'None';
    const metric = specs.length;
    specs.push({ namespace: first.namespace, name: first.name, dimensions: first.dimensions, type, unit });
    periods.push(first.period);
    const used = new Set<string>(STATISTICS[type]);
    for (const [stat, q] of stats) {
      if (used.has(stat)) byId.set(q.id, { metric, stat: stat as Statistic });
      else {
        skip('statistic_unused');
        dropped.add(q.id);
      }
    }
  }

  // Results: each kept query's values by period start.
  const values = new Map<string, Map<number, number>>();
  let datapoints = 0;
  const results = arr(member(root, 'MetricDataResults'), 'MetricDataResults', RECORDING_LIMITS.results);
  results.forEach((raw, i) => {
    const field = `MetricDataResults[${i}]`;
    const r = obj(raw, field);
    const id = str(member(r, 'Id'), `${field}.Id`, RECORDING_LIMITS.name);
    const status = member(r, 'StatusCode');
    if (status !== undefined) str(status, `${field}.StatusCode`, RECORDING_LIMITS.name);
    const ts = arr(member(r, 'Timestamps') ?? [], `${field}.Timestamps`, RECORDING_LIMITS.datapoints);
    const vs = arr(member(r, 'Values') ?? [], `${field}.Values`, RECORDING_LIMITS.datapoints);
    if (ts.length !== vs.length) throw new UsageError(`${field} has ${ts.length} Timestamps and ${vs.length} Values; each timestamp needs its value`);
    datapoints += ts.length;
    if (datapoints > RECORDING_LIMITS.datapoints) throw new UsageError(`MetricDataResults hold more than ${RECORDING_LIMITS.datapoints} datapoints`);
    if (status !== undefined && status !== 'Complete' && status !== 'PartialData') {
      return void skip(status === 'Forbidden' ? 'result_forbidden' : status === 'InternalError' ? 'result_internal_error' : 'result_status_other');
    }
    if (!ids.has(id)) return void skip('result_unknown_id');
    if (dropped.has(id) || !byId.has(id)) return;
    let byTime = values.get(id);
    if (byTime === undefined) values.set(id, (byTime = new Map()));
    for (let k = 0; k < ts.length; k++) {
      const t = time(ts[k], `${field}.Timestamps[${k}]`, false);
      const v = vs[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${field}.Values[${k}]`, 'a number', v);
      if ((start !== undefined && t < start) || (end !== undefined && t >= end)) skip('outside_window');
      else byTime.set(t, v as number);
    }
  });

  // Points: a count's Sum, a gauge's Maximum, a distribution's four statistics of the same period.
  const ofMetric = new Map<number, Map<Statistic, Map<number, number>>>();
  for (const [id, { metric, stat }] of byId) {
    let m = ofMetric.get(metric);
    if (m === undefined) ofMetric.set(metric, (m = new Map()));
    m.set(stat, values.get(id) ?? new Map());
  }
  const points = pointsOf(specs, (metric, stat) => ofMetric.get(metric)?.get(stat), () => skip('period_incomplete'));
  return { specs, periods, points, skipped: Object.fromEntries(skipped) as CloudwatchReplay['skipped'] };
}

/**
 * The points moved by a whole number of the longest period, so that the newest period starts in the current
 * one (`--rebase`): the spacing, and the alignment of every period that divides the longest, are kept.
 */
export function rebaseReplay(replay: CloudwatchReplay, now: number): CloudwatchReplay {
  if (replay.points.length === 0) return replay;
  let newest = Number.NEGATIVE_INFINITY;
  for (const p of replay.points) newest = Math.max(newest, p.timestamp);
  const step = Math.max(...replay.periods) * 1_000;
  const delta = Math.floor((now - newest) / step) * step;
  return { ...replay, points: replay.points.map((p) => ({ ...p, timestamp: p.timestamp + delta })) };
}

/** The replay's metrics of one period each, with their points renumbered: `buildDocuments` takes one period a call. */
export function byPeriod(replay: CloudwatchReplay): { periodSeconds: number; specs: MetricSpec[]; points: MetricPoint[] }[] {
  const out = new Map<number, { periodSeconds: number; specs: MetricSpec[]; points: MetricPoint[]; index: Map<number, number> }>();
  replay.specs.forEach((spec, i) => {
    const periodSeconds = replay.periods[i]!;
    let g = out.get(periodSeconds);
    if (g === undefined) out.set(periodSeconds, (g = { periodSeconds, specs: [], points: [], index: new Map() }));
    g.index.set(i, g.specs.length);
    g.specs.push(spec);
  });
  for (const p of replay.points) {
    const g = out.get(replay.periods[p.metric]!)!;
    g.points.push({ ...p, metric: g.index.get(p.metric)! });
  }
  return [...out.values()].map(({ periodSeconds, specs, points }) => ({ periodSeconds, specs, points }));
}
