/**
 * Metric data → Datadog request bodies, exactly as they are POSTed (before compression). Pure: no I/O,
 * no clock (the caller gives the window of acceptable timestamps).
 *
 * - A `distribution` datum becomes its observations in a distribution point `[seconds, [values…]]` of its
 *   series (`/api/v1/distribution_points`). Observations are what CloudWatch counts: a number is one, each
 *   array element one, a statistic set's `Values` each `Counts[i]` times (the API has no weights, so a value
 *   is repeated), and a statistic set without `Values` gives `Min`, `Max` and `Count − 2` times
 *   `(Sum − Min − Max)/(Count − 2)`, which keeps its count, sum, minimum and maximum.
 *   Requests hold data in stream order and record how far the data they complete go (`end`), so a provider
 *   can tell which data are delivered when a later request fails.
 * - A `count` or `gauge` datum becomes a change to its series' point for its interval (`series.ts`): a count
 *   adds the sum of its values, a gauge takes its last value (a statistic set's average).
 * - Time units are sent in milliseconds, as the StatsD consumer sends them, and names are the StatsD
 *   consumer's (`[prefix.][Namespace.]Metric`), so switching between the two keeps dashboards.
 */
import { resolveType } from '../../../shared/consumer/metricKind.ts';
import { isStatisticSet, type MetricData, type MetricDatum } from '../../../shared/consumer/types.ts';
import type { EmfUnit } from '../../../shared/emf/constants.ts';
import { Tally } from '../../../shared/tally.ts';
import { valueFactor } from '../statsd/mapping.ts';
import { sanitiseMetricName } from '../statsd/sanitise.ts';
import { TagSets, type TagSet } from '../statsd/TagSets.ts';
import type { DatadogTranslateOptions, DatadogType } from './config.ts';
import { datadogTags } from './tags.ts';

/** Why a datum was not sent (keys of the consumer summary's `dropped`). */
export const DATADOG_REASONS = {
  /** Older than Datadog accepts (one hour, `DD_MAX_POINT_AGE_SECONDS` with Historical Metrics Ingestion). */
  too_old: 'datadog_point_too_old',
  /** More than ten minutes ahead of the consumer's clock. */
  in_future: 'datadog_point_in_future',
  /** A statistic set with `Count` 0, or a weight that is not a whole number: no observation to send. */
  no_observations: 'datadog_no_observations',
  /** More observations (weights expanded) than `DD_MAX_VALUES_PER_DATUM`. */
  too_many_values: 'datadog_too_many_values',
  /** A value that is not finite once converted to milliseconds. */
  not_finite: 'datadog_value_not_finite',
  /** `series` mode: the container keeps `DD_MAX_SERIES` series × intervals already. */
  series_limit: 'datadog_series_limit',
  /** Datadog answered 400 (the message is logged). */
  rejected: 'datadog_rejected',
  /** Datadog answered 401 or 403: the API key is wrong or revoked. */
  forbidden: 'datadog_forbidden',
  /** Datadog answered 413. */
  too_large: 'datadog_payload_too_large',
} as const;

/** One request to `/api/v1/distribution_points`. */
export interface DistributionRequest {
  body: string;
  /** Data of the chunk complete once this request and every one before it are accepted: [0, end). */
  end: number;
  /** Data with observations in it (a datum split over requests counts in each). */
  data: number;
  values: number;
}

/** One `count` or `gauge` change of a datum, for `series.ts`. */
export interface SeriesChange {
  /** The point's identity: type, metric, tags, interval start. */
  key: string;
  type: 'count' | 'gauge';
  /** The series' JSON head (metric, type, interval, tags), shared by its points. */
  head: string;
  /** Interval start, seconds. */
  timestamp: number;
  /** count: the amount added; gauge: the value. */
  value: number;
  /** gauge: the observation's time (ms), the latest wins. */
  observedAt: number;
  /** The datum's position in the chunk. */
  position: number;
}

export interface TranslateResult {
  distributions: DistributionRequest[];
  /** In position order. */
  changes: SeriesChange[];
  /** Data not sent, by reason; a datum counts once. */
  dropped: Tally;
  /** Problems that cost no datum (an allow-listed property that cannot be a tag), for the log. */
  warnings: Tally;
  /** The position and reason of each datum dropped, in order. */
  lost: Loss[];
  /**
   * Where the chunk was cut because its requests would hold more than `MAX_CHUNK_BYTES` (data whose weights
   * expand to many values): the data from here on were not read, and go in a later invocation.
   */
  stoppedAt?: number;
  data: number;
}

/** A datum not sent: where it is in the chunk, and why. */
export interface Loss {
  at: number;
  reason: string;
}

/** The window of timestamps Datadog accepts, ms since the epoch. */
export interface PointWindow {
  oldest: number;
  newest: number;
}

interface MetricEntry {
  unit: EmfUnit | undefined;
  type: DatadogType;
  factor: number;
  /** `"metric":"<name>"`. */
  nameJson: string;
}

/**
 * Most request bytes one chunk's translation holds (distribution values written out, weights expanded). A
 * chunk of ordinary data holds a few hundred kilobytes; a producer's statistic sets with large `Counts` can
 * expand to far more, and the consumer's memory must not depend on what a document says.
 */
const MAX_CHUNK_BYTES = 16 * 1_048_576;
/** The longest text of a number (`-1.2345678901234567e-308`) and its comma. */
const MAX_VALUE_BYTES = 25;

/** `{"series":[` and `]}`: the bytes of a request body around its series. */
export const ENVELOPE_BYTES = 13;

/** One series of the request being built: its head and its points' values by second. */
interface Building {
  head: string;
  points: Map<number, string>;
}

/** The JSON of one series of the request (`{"metric":…,"points":[[t,[v,…]],…]}`). */
function seriesJson(s: Building): string {
  let points = '';
  for (const [t, values] of s.points) points += `${points === '' ? '' : ','}[${t},[${values}]]`;
  return `${s.head}"points":[${points}]}`;
}

/** A long-lived translator (one per container): metric entries and tag sets are cached across chunks. */
export class DatadogTranslator {
  private readonly tagSets: TagSets;
  private readonly tagsJson = new WeakMap<TagSet, string>();
  private readonly metrics = new Map<string, Map<string, MetricEntry>>();
  private readonly writer: string;
  // The observations of the current datum (reused).
  private readonly obs: number[] = [];

  /** `writerId`: this container's value of the writer tag (`series` types only). */
  constructor(
    private readonly o: DatadogTranslateOptions,
    writerId: string,
  ) {
    this.tagSets = new TagSets({ style: 'dogstatsd', globalTags: o.globalTags, sourceTags: o.sourceTags, propertyTags: o.propertyTags }, datadogTags(o.writerTag));
    this.writer = JSON.stringify(`${o.writerTag}:${writerId}`);
  }

  /** Reads `data` once, in order. */
  translate(data: MetricData, window: PointWindow): TranslateResult {
    const dropped = new Tally();
    const notes = new Tally();
    const distributions: DistributionRequest[] = [];
    const changes: SeriesChange[] = [];
    const max = this.o.maxRequestBytes;
    const interval = this.o.intervalSeconds;
    let series = new Map<string, Building>();
    // Bytes of the request being built (its JSON without the closing), its data and values.
    let bytes = ENVELOPE_BYTES;
    let inRequest = 0;
    let values = 0;
    let complete = 0;
    const close = (end: number) => {
      if (series.size === 0) return;
      let body = '';
      for (const s of series.values()) body += (body === '' ? '' : ',') + seriesJson(s);
      distributions.push({ body: `{"series":[${body}]}`, end, data: inRequest, values });
      chunkBytes += bytes;
      series = new Map();
      bytes = ENVELOPE_BYTES;
      inRequest = 0;
      values = 0;
    };
    let count = 0;
    // Bytes of the requests closed so far, and where the chunk was cut when they reached MAX_CHUNK_BYTES.
    let chunkBytes = 0;
    let stoppedAt: number | undefined;
    const lost: Loss[] = [];
    const drop = (reason: string, i: number, example: () => string) => {
      dropped.add(reason, example);
      lost.push({ at: i, reason });
    };
    data.forEach((d, i) => {
      count++;
      if (stoppedAt !== undefined) return;
      const m = this.metric(d);
      if (d.timestamp < window.oldest || d.timestamp > window.newest) {
        const reason = d.timestamp < window.oldest ? DATADOG_REASONS.too_old : DATADOG_REASONS.in_future;
        drop(reason, i, () => `${d.namespace}/${d.name} at ${new Date(d.timestamp).toISOString()}`);
        complete = i + 1;
        return;
      }
      const tags = this.tagSets.of(d, notes);
      let tagsJson = this.tagsJson.get(tags);
      if (tagsJson === undefined) {
        // Sorted: Datadog's series is the set of its tags, so one set must always be one text (the series' key).
        tagsJson = `[${tags.tags.map((t) => JSON.stringify(t.text)).sort().join(',')}]`;
        this.tagsJson.set(tags, tagsJson);
      }
      const seconds = Math.floor(d.timestamp / 1000);
      if (m.type !== 'distribution') {
        const change = this.change(d, m, tagsJson, seconds - (seconds % interval), i);
        if (typeof change === 'string') drop(change, i, () => `${d.namespace}/${d.name}: ${change}`);
        else changes.push(change);
        complete = i + 1;
        return;
      }
      const reason = this.observations(d, m.factor);
      if (reason !== undefined) {
        drop(reason, i, () => `${d.namespace}/${d.name}: ${reason}`);
        complete = i + 1;
        return;
      }
      if (i > 0 && chunkBytes + bytes + this.obs.length * MAX_VALUE_BYTES > MAX_CHUNK_BYTES) {
        // The chunk's requests would hold too much (weights expanded): the rest goes in a later invocation.
        stoppedAt = i;
        return;
      }
      const key = `${m.nameJson}${tagsJson}`;
      const head = `{${m.nameJson},"type":"distribution","tags":${tagsJson},`;
      const headBytes = Buffer.byteLength(head) + 16;
      let s = series.get(key);
      let open = false;
      for (const x of this.obs) {
        const text = `${x}`;
        if (bytes + text.length + 16 + (s === undefined ? headBytes : 0) > max && inRequest + (open ? 1 : 0) > 0) {
          // The request is full: close it. This datum is complete only if none of it is in the next.
          if (open) inRequest++;
          close(complete);
          s = undefined;
          open = false;
        }
        if (s === undefined) {
          s = series.get(key);
          if (s === undefined) {
            s = { head, points: new Map() };
            series.set(key, s);
            bytes += headBytes;
          }
        }
        const prev = s.points.get(seconds);
        if (prev === undefined) {
          s.points.set(seconds, text);
          bytes += text.length + 16;
        } else {
          s.points.set(seconds, `${prev},${text}`);
          bytes += text.length + 1;
        }
        values++;
        open = true;
      }
      if (open) inRequest++;
      complete = i + 1;
    });
    close(stoppedAt ?? count);
    return { distributions, changes, dropped, warnings: notes, lost, data: count, ...(stoppedAt === undefined ? {} : { stoppedAt }) };
  }

  /** The observations of a distribution datum into `this.obs`, or why there are none to send. */
  private observations(d: MetricDatum, factor: number): string | undefined {
    const obs = this.obs;
    obs.length = 0;
    const v = d.value;
    const limit = this.o.maxValuesPerDatum;
    if (typeof v === 'number') obs.push(v * factor);
    else if (!isStatisticSet(v)) for (const x of v) obs.push(x * factor);
    else if (v.values !== undefined) {
      let total = 0;
      for (let j = 0; j < v.values.length; j++) {
        const w = v.counts === undefined ? 1 : v.counts[j]!;
        if (!Number.isInteger(w) || w < 0) return DATADOG_REASONS.no_observations;
        total += w;
      }
      if (total > limit) return DATADOG_REASONS.too_many_values;
      for (let j = 0; j < v.values.length; j++) {
        const w = v.counts === undefined ? 1 : v.counts[j]!;
        const x = v.values[j]! * factor;
        for (let k = 0; k < w; k++) obs.push(x);
      }
    } else {
      if (!Number.isInteger(v.count) || v.count <= 0) return DATADOG_REASONS.no_observations;
      if (v.count > limit) return DATADOG_REASONS.too_many_values;
      if (v.count === 1) obs.push(v.sum * factor);
      else {
        obs.push(v.min * factor, v.max * factor);
        const mean = ((v.sum - v.min - v.max) / (v.count - 2)) * factor;
        for (let k = 2; k < v.count; k++) obs.push(mean);
      }
    }
    if (obs.length === 0) return DATADOG_REASONS.no_observations;
    for (const x of obs) if (!Number.isFinite(x)) return DATADOG_REASONS.not_finite;
    return undefined;
  }

  /** The change a count or gauge datum makes to its series' point, or why it has none. */
  private change(d: MetricDatum, m: MetricEntry, tagsJson: string, timestamp: number, position: number): SeriesChange | string {
    const v = d.value;
    let value: number;
    if (m.type === 'count') {
      if (typeof v === 'number') value = v;
      else if (isStatisticSet(v)) value = v.sum;
      else {
        value = 0;
        for (const x of v) value += x;
      }
    } else if (typeof v === 'number') value = v;
    else if (!isStatisticSet(v)) value = v[v.length - 1]!;
    else if (v.count > 0) value = v.sum / v.count;
    else return DATADOG_REASONS.no_observations;
    value *= m.factor;
    if (!Number.isFinite(value)) return DATADOG_REASONS.not_finite;
    const tags = tagsJson === '[]' ? `[${this.writer}]` : `${tagsJson.slice(0, -1)},${this.writer}]`;
    const head =
      m.type === 'count'
        ? `{${m.nameJson},"type":1,"interval":${this.o.intervalSeconds},"tags":${tags},`
        : `{${m.nameJson},"type":3,"tags":${tags},`;
    return { key: `${head}${timestamp}`, type: m.type === 'count' ? 'count' : 'gauge', head, timestamp, value, observedAt: d.timestamp, position };
  }

  /** The metric's entry, its type resolved for `d.unit`. */
  private metric(d: MetricDatum): MetricEntry {
    let byName = this.metrics.get(d.namespace);
    if (byName === undefined) {
      if (this.metrics.size >= 1_000) this.metrics.clear();
      byName = new Map();
      this.metrics.set(d.namespace, byName);
    }
    let m = byName.get(d.name);
    if (m === undefined) {
      const parts = [];
      if (this.o.prefix !== '') parts.push(this.o.prefix);
      if (this.o.namespaceInName) parts.push(d.namespace);
      parts.push(d.name);
      m = { unit: undefined, type: 'distribution', factor: 1, nameJson: `"metric":${JSON.stringify(sanitiseMetricName(parts.join('.')))}` };
      if (byName.size >= 10_000) byName.clear();
      byName.set(d.name, m);
    }
    if (m.unit !== d.unit) {
      m.unit = d.unit;
      m.type = resolveType(d.name, d.unit, this.o.overrides, this.o.mode === 'series' ? SERIES_DEFAULTS : DISTRIBUTION_DEFAULTS);
      m.factor = valueFactor(d.unit);
    }
    return m;
  }
}

const DISTRIBUTION_DEFAULTS = { count: 'distribution', time: 'distribution', value: 'distribution' } as const;
const SERIES_DEFAULTS = { count: 'count', time: 'gauge', value: 'gauge' } as const;
