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
import { resolveType, type DeclaredType } from '../../../shared/consumer/metricKind.ts';
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
  /** Data it completes (a datum split over requests counts in the last). */
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
  namespace: string;
  name: string;
  unit: EmfUnit | undefined;
  /** The declared type `type` was resolved for (undefined: none declared). */
  declared: DeclaredType | undefined;
  type: DatadogType;
  factor: number;
  /** `"metric":"<name>"`. */
  nameJson: string;
  /** What is built once per tag set of the metric (emptied when its unit or declared type changes). */
  series: Map<TagSet, SeriesEntry>;
}

/** One series (a metric and a tag set): its JSON heads and point keys, made once. */
interface SeriesEntry {
  /** `{"metric":…,"type":"distribution","tags":[…],` */
  head: string;
  headBytes: number;
  /** count and gauge: the point key of each interval start (the same string each time, so its hash is kept). */
  keys: Map<number, string>;
}

/**
 * Most series entries a metric keeps, and metrics a translator keeps: emptied when full (hostile
 * high-cardinality input), rebuilt as data come.
 */
const MAX_SERIES_PER_METRIC = 10_000;
const MAX_METRICS = 10_000;

/**
 * Most request bytes one chunk's translation holds (distribution values written out, weights expanded). A
 * chunk of ordinary data holds a few hundred kilobytes; a producer's statistic sets with large `Counts` can
 * expand to far more, and the consumer's memory must not depend on what a document says.
 */
const MAX_CHUNK_BYTES = 16 * 1_048_576;
/** `{"series":[` and `]}`: the bytes of a request body around its series. */
export const ENVELOPE_BYTES = 13;

/** One series of the request being built: its points' values (as text) by second, in the order first seen. */
interface Building {
  entry: SeriesEntry;
  points: Map<number, string[]>;
  /** The point last added to (data of a document share their second). */
  lastSecond: number;
  last: string[];
}

/** The bytes that starting series `e` (when not in the request yet) or its point at `seconds` adds to a request. */
function opening(b: Building | undefined, e: SeriesEntry, seconds: number): number {
  if (b === undefined) return e.headBytes + 16;
  return b.lastSecond === seconds || b.points.has(seconds) ? 0 : 16;
}

/** The JSON of one series of the request (`{"metric":…,"points":[[t,[v,…]],…]}`). */
function seriesJson(b: Building): string {
  let points = '';
  for (const [t, values] of b.points) points += `${points === '' ? '' : ','}[${t},[${values.join(',')}]]`;
  return `${b.entry.head}"points":[${points}]}`;
}

/** A long-lived translator (one per container): metric entries, tag sets and series heads are cached across chunks. */
export class DatadogTranslator {
  private readonly tagSets: TagSets;
  private readonly metrics = new Map<string, Map<string, MetricEntry>>();
  private lastMetric: MetricEntry | undefined;
  private readonly writer: string;
  // The observations of the current datum and their text (reused).
  private readonly obs: number[] = [];
  private readonly texts: string[] = [];

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
    const lost: Loss[] = [];
    const max = this.o.maxRequestBytes;
    const interval = this.o.intervalSeconds;
    let building = new Map<SeriesEntry, Building>();
    // Bytes of the request being built (its JSON without the closing), its data and values.
    let bytes = ENVELOPE_BYTES;
    let inRequest = 0;
    let values = 0;
    // Data complete so far (all their values in requests built or being built).
    let complete = 0;
    // Bytes of the requests closed so far, and where the chunk was cut when they reached MAX_CHUNK_BYTES.
    let chunkBytes = 0;
    let stoppedAt: number | undefined;
    let count = 0;
    const close = (end: number) => {
      if (building.size === 0) return;
      let body = '';
      for (const b of building.values()) body += (body === '' ? '' : ',') + seriesJson(b);
      distributions.push({ body: `{"series":[${body}]}`, end, data: inRequest, values });
      chunkBytes += bytes;
      building = new Map();
      bytes = ENVELOPE_BYTES;
      inRequest = 0;
      values = 0;
    };
    const drop = (reason: string, i: number, d: MetricDatum) => {
      dropped.add(reason, () => `${d.namespace}/${d.name} at ${new Date(d.timestamp).toISOString()}: ${reason}`);
      lost.push({ at: i, reason });
    };
    data.forEach((d, i) => {
      count++;
      if (stoppedAt !== undefined) return;
      complete = i;
      if (d.timestamp < window.oldest || d.timestamp > window.newest) {
        drop(d.timestamp < window.oldest ? DATADOG_REASONS.too_old : DATADOG_REASONS.in_future, i, d);
        complete = i + 1;
        return;
      }
      const m = this.metric(d);
      const e = this.seriesOf(m, this.tagSets.of(d, notes));
      const seconds = Math.floor(d.timestamp / 1000);
      if (m.type !== 'distribution') {
        const change = this.change(d, m, e, seconds - (seconds % interval), i);
        if (typeof change === 'string') drop(change, i, d);
        else changes.push(change);
        complete = i + 1;
        return;
      }
      const reason = this.observations(d, m.factor);
      if (reason !== undefined) {
        drop(reason, i, d);
        complete = i + 1;
        return;
      }
      // The values' text, and the bytes the whole datum adds to a request.
      const obs = this.obs;
      const texts = this.texts;
      texts.length = 0;
      let need = 0;
      for (let j = 0; j < obs.length; j++) {
        const text = `${obs[j]}`;
        texts.push(text);
        need += text.length + 1;
      }
      if (i > 0 && chunkBytes + bytes + need > MAX_CHUNK_BYTES) {
        // The chunk's requests would hold too much (weights expanded): the rest goes in a later invocation.
        stoppedAt = i;
        return;
      }
      // A datum goes in one request whole, so a request completes every datum it holds; only a datum larger than
      // a request on its own is split, and it is complete with its last part.
      let b = building.get(e);
      if (bytes + need + opening(b, e, seconds) > max && inRequest > 0) {
        close(complete);
        b = undefined;
      }
      const whole = bytes + need + opening(b, e, seconds) <= max;
      for (let j = 0; j < texts.length; j++) {
        const text = texts[j]!;
        if (!whole && j > 0 && bytes + text.length + 1 + opening(b, e, seconds) > max) {
          close(complete);
          b = undefined;
        }
        if (b === undefined) {
          b = { entry: e, points: new Map(), lastSecond: Number.NaN, last: [] };
          building.set(e, b);
          bytes += e.headBytes;
        }
        if (b.lastSecond !== seconds) {
          let point = b.points.get(seconds);
          if (point === undefined) {
            point = [];
            b.points.set(seconds, point);
            bytes += 16;
          }
          b.lastSecond = seconds;
          b.last = point;
        }
        b.last.push(text);
        bytes += text.length + 1;
        values++;
      }
      const open = texts.length > 0;
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
  private change(d: MetricDatum, m: MetricEntry, e: SeriesEntry, timestamp: number, position: number): SeriesChange | string {
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
    let key = e.keys.get(timestamp);
    if (key === undefined) {
      if (e.keys.size >= 1_000) e.keys.clear();
      key = `${e.head}${timestamp}`;
      e.keys.set(timestamp, key);
    }
    return { key, type: m.type === 'count' ? 'count' : 'gauge', head: e.head, timestamp, value, observedAt: d.timestamp, position };
  }

  /** The series of metric `m` with tag set `tags`: its head (by the metric's type) and point keys. */
  private seriesOf(m: MetricEntry, tags: TagSet): SeriesEntry {
    let e = m.series.get(tags);
    if (e !== undefined) return e;
    // Sorted: Datadog's series is the set of its tags, so one set must always be one text (the series' key).
    const texts = tags.tags.map((t) => JSON.stringify(t.text)).sort();
    let head: string;
    if (m.type === 'distribution') head = `{${m.nameJson},"type":"distribution","tags":[${texts.join(',')}],`;
    else {
      const withWriter = [...texts, this.writer].join(',');
      head = m.type === 'count' ? `{${m.nameJson},"type":1,"interval":${this.o.intervalSeconds},"tags":[${withWriter}],` : `{${m.nameJson},"type":3,"tags":[${withWriter}],`;
    }
    e = { head, headBytes: Buffer.byteLength(head) + 16, keys: new Map() };
    if (m.series.size >= MAX_SERIES_PER_METRIC) m.series.clear();
    m.series.set(tags, e);
    return e;
  }

  /** The metric's entry, its type resolved for `d.unit` and `d.type`. */
  private metric(d: MetricDatum): MetricEntry {
    let m = this.lastMetric;
    if (m === undefined || m.name !== d.name || m.namespace !== d.namespace) {
      let byName = this.metrics.get(d.namespace);
      if (byName === undefined) {
        if (this.metrics.size >= MAX_METRICS) this.metrics.clear();
        byName = new Map();
        this.metrics.set(d.namespace, byName);
      }
      m = byName.get(d.name);
      if (m === undefined) {
        const parts = [];
        if (this.o.prefix !== '') parts.push(this.o.prefix);
        if (this.o.namespaceInName) parts.push(d.namespace);
        parts.push(d.name);
        const nameJson = `"metric":${JSON.stringify(sanitiseMetricName(parts.join('.')))}`;
        m = { namespace: d.namespace, name: d.name, unit: undefined, declared: undefined, type: 'distribution', factor: 1, nameJson, series: new Map() };
        if (byName.size >= MAX_METRICS) byName.clear();
        byName.set(d.name, m);
      }
      this.lastMetric = m;
    }
    if (m.unit !== d.unit || m.declared !== d.type) {
      m.unit = d.unit;
      m.declared = d.type;
      m.type = resolveType(d.name, d.unit, this.o.overrides, this.o.mode === 'series' ? SERIES_DEFAULTS : DISTRIBUTION_DEFAULTS, d.type);
      m.factor = valueFactor(d.unit);
      m.series.clear();
    }
    return m;
  }
}

// A declared gauge is a gauge series in both modes: a distribution of a level (concurrency, queue depth) would
// merge writers' samples of one level into percentiles no one reads, and its sum would mean nothing.
const DISTRIBUTION_DEFAULTS = { count: 'distribution', time: 'distribution', value: 'distribution', gauge: 'gauge' } as const;
const SERIES_DEFAULTS = { count: 'count', time: 'gauge', value: 'gauge', gauge: 'gauge' } as const;
