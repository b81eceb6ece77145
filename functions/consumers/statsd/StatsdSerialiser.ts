/**
 * Metric data → StatsD lines, exactly as they go on the wire. Pure: no I/O.
 *
 * Line shapes (`[…]` optional):
 * - DogStatsD: `name:value|type[|@rate][|#k:v,k:v][|T<seconds>]` (Datadog's documented field order)
 * - Telegraf:  `name[,k=v,k=v]:value|type[|@rate]`
 * - StatsD:    `name[.k.v.k.v]:value|type[|@rate]` (tags folded into the name, sorted by key)
 *
 * Tags: TagSets.ts.
 *
 * Observations (what `ms`, `h` and `d` lines carry): every element of an array is one; a
 * statistic set with `Values` gives each value with its count (a missing `Counts` means 1 each,
 * as in CloudWatch); one without `Values` gives `Min` once, `Max` once and `Count − 2`
 * observations of `(Sum − Min − Max)/(Count − 2)`, which keeps its sum, count, minimum and maximum.
 * A value observed n ≠ 1 times is one line with `|@1/n` (`STATSD_SAMPLE_COUNTS=rate`), or n lines
 * (`repeat`, for integer n ≤ `STATSD_MAX_REPEAT`). Counters send the sum; gauges send each
 * value of an array, and a statistic set's average (`Sum/Count`).
 */
import type { DeclaredType } from '../../../shared/consumer/metricKind.ts';
import type { EmfUnit } from '../../../shared/emf/constants.ts';
import type { Tally } from '../../../shared/tally.ts';
import { isStatisticSet, type MetricDatum } from '../../../shared/consumer/types.ts';
import type { SerialiseOptions } from './config.ts';
import type { StatsdType } from './constants.ts';
import { TYPE_CODES, resolveType, valueFactor } from './mapping.ts';
import { sanitiseMetricName } from './sanitise.ts';
import { TagSets } from './TagSets.ts';

/** Reasons counted while serialising (logged once per send, with an example each). */
const SERIALISE_NOTES = {
  /** A statistic set with `Count` 0 has no observation to send as a gauge, timing, histogram or distribution. */
  statistic_set_empty: 'datum',
  /** A count between 0 and 1 cannot be a sample rate (> 1): the value is sent once. */
  count_fractional_below_one: 'value',
  /** A time value overflowed to ±Infinity when converted to milliseconds: not sent. */
  value_not_finite: 'value',
  /** An allow-listed property is an object, array, null or empty string: not a tag. Counted once per dimension set of a document. */
  property_tag_not_scalar: 'dimension set',
} as const;

/**
 * Where `append` writes its lines, each with its UTF-8 byte length: the serialiser adds it up from
 * the lengths of the line's parts (names and numbers are ASCII, the tag text is measured once per
 * tag set), so no line is measured again. The provider's sink is a `DatagramPacker` (DatagramPacker.ts);
 * `packDatagrams` there measures each line, and the tests hold the two to the same datagrams.
 * kept: saves 14 % of statsd (npm run bench, Node 22)
 */
export interface LineSink {
  add(line: string, bytes: number): void;
}

/** What is kept per metric (namespace and name): the sanitised name, and the type for the unit and declared type last seen. */
interface MetricEntry {
  /** Sanitised, so ASCII only: its length is its UTF-8 byte count. */
  name: string;
  /** `name:`, the DogStatsD line head (the same for every datum of the metric). */
  head: string;
  /** The unit `type`, `tail` and `factor` were resolved for (a metric keeps its unit: one is enough). */
  unit: EmfUnit | undefined;
  /** The declared type `type` was resolved for (undefined: none declared). */
  declared: DeclaredType | undefined;
  type: StatsdType;
  /** `|<type code>`. */
  tail: string;
  /** `valueFactor(unit)`. */
  factor: number;
}

/** `|<type code>` for each type. */
const TAILS = Object.fromEntries(Object.entries(TYPE_CODES).map(([t, c]) => [t, `|${c}`])) as Readonly<Record<StatsdType, string>>;

/**
 * Built once per container from the config; `append` is the hot path. A line is written as
 * `head + value + rest`, a rope of cached strings and the value's text: nothing is copied until
 * the packer joins the lines of a datagram. The parts' byte lengths are cached with them, so the
 * line's is a sum: the metric entry (name, head, type) per metric, the tag text per tag set.
 *
 * @example
 * const s = new StatsdSerialiser(config.serialise);
 * const packer = new DatagramPacker(config.transport.maxDatagramBytes, notes);
 * for (const d of data) s.append(d, packer, notes);
 * const datagrams = packer.finish();
 */
export class StatsdSerialiser {
  private readonly dogstatsd: boolean;
  private readonly tagSets: TagSets;
  private readonly metrics = new Map<string, Map<string, MetricEntry>>();
  // The namespace of the previous datum and its metric map: data of one group share the namespace.
  private lastNamespaceMetrics: Map<string, MetricEntry> | undefined;
  private lastNamespaceKey: string | undefined;
  // One-entry memo of the DogStatsD timestamp field (data of one document share the timestamp).
  private lastTimestamp = Number.NaN;
  private lastTimestampField = '';
  // The current datum's line parts, `head + value + tail[|@rate] + suffix`, with their byte
  // lengths (fields, not an object per datum); `rest` is `tail + suffix`, an unweighted line's end.
  private head = '';
  private headBytes = 0;
  private tail = '';
  private suffix = '';
  private suffixBytes = 0;
  private rest = '';
  private restBytes = 0;

  constructor(private readonly o: SerialiseOptions) {
    this.dogstatsd = o.style === 'dogstatsd';
    this.tagSets = new TagSets(o);
  }

  /** Writes the lines of `d` to `out`; problems are counted in `notes`. */
  append(d: MetricDatum, out: LineSink, notes: Tally): void {
    const m = this.metric(d);
    const type = m.type;
    const factor = m.factor;
    const tags = this.tagSets.of(d, notes);
    this.tail = m.tail;
    if (this.dogstatsd) {
      // DogStatsD's head (`name:`) is the same for every datum of a metric: kept with the metric.
      const ts = this.o.timestamps && (type === 'counter' || type === 'gauge') ? this.timestampField(d.timestamp) : '';
      this.head = m.head;
      this.headBytes = m.head.length;
      this.suffix = tags.text + ts;
      this.suffixBytes = tags.bytes + ts.length;
    } else {
      this.head = `${m.name}${tags.text}:`;
      this.headBytes = m.name.length + tags.bytes + 1;
      this.suffix = '';
      this.suffixBytes = 0;
    }
    this.rest = this.tail + this.suffix;
    this.restBytes = this.tail.length + this.suffixBytes;
    const v = d.value;

    if (type === 'counter') {
      let total = 0;
      if (typeof v === 'number') total = v;
      else if (isStatisticSet(v)) total = v.sum;
      else for (const x of v) total += x;
      this.line(out, total * factor, notes, d);
      return;
    }
    if (type === 'gauge') {
      if (typeof v === 'number') this.gauge(out, v * factor, notes, d);
      else if (!isStatisticSet(v)) for (const x of v) this.gauge(out, x * factor, notes, d);
      else if (v.count > 0) this.gauge(out, (v.sum / v.count) * factor, notes, d);
      else notes.add('statistic_set_empty', `${d.namespace}/${d.name}`);
      return;
    }
    // timing, histogram, distribution: observations with weights.
    if (typeof v === 'number') {
      this.line(out, v * factor, notes, d);
    } else if (!isStatisticSet(v)) {
      for (const x of v) this.line(out, x * factor, notes, d);
    } else if (v.values !== undefined) {
      const counts = v.counts;
      for (let i = 0; i < v.values.length; i++) {
        const w = counts === undefined ? 1 : counts[i]!;
        if (w > 0) this.weighted(out, v.values[i]! * factor, w, notes, d);
      }
    } else if (v.count <= 0) {
      notes.add('statistic_set_empty', `${d.namespace}/${d.name}`);
    } else if (v.count < 2) {
      this.weighted(out, (v.sum / v.count) * factor, v.count, notes, d);
    } else {
      this.line(out, v.min * factor, notes, d);
      this.line(out, v.max * factor, notes, d);
      const others = v.count - 2;
      if (others > 0) this.weighted(out, ((v.sum - v.min - v.max) / others) * factor, others, notes, d);
    }
  }

  /** The metric's entry, its type resolved for `d.unit` and `d.type`. */
  private metric(d: MetricDatum): MetricEntry {
    const namespace = d.namespace;
    let byName = namespace === this.lastNamespaceKey ? this.lastNamespaceMetrics : this.metrics.get(namespace);
    if (byName === undefined) {
      if (this.metrics.size >= 1_000) this.metrics.clear();
      byName = new Map();
      this.metrics.set(namespace, byName);
    }
    this.lastNamespaceKey = namespace;
    this.lastNamespaceMetrics = byName;
    let m = byName.get(d.name);
    if (m === undefined) {
      const parts = [];
      if (this.o.prefix !== '') parts.push(this.o.prefix);
      if (this.o.namespaceInName) parts.push(namespace);
      parts.push(d.name);
      const name = sanitiseMetricName(parts.join('.'), this.o.style !== 'statsd');
      m = { name, head: `${name}:`, unit: undefined, declared: undefined, type: 'gauge', tail: '', factor: 1 };
      if (byName.size >= 10_000) byName.clear();
      byName.set(d.name, m);
    }
    if (m.unit !== d.unit || m.declared !== d.type) {
      m.unit = d.unit;
      m.declared = d.type;
      m.type = resolveType(d.name, d.unit, this.o, d.type);
      m.tail = TAILS[m.type];
      m.factor = valueFactor(d.unit);
    }
    return m;
  }

  /** `|T<seconds>`, rounded down so it is never in the future; omitted before 1970-01-01T00:00:01 (the Agent rejects `T0`). */
  private timestampField(ms: number): string {
    if (ms !== this.lastTimestamp) {
      const s = Math.floor(ms / 1000);
      this.lastTimestamp = ms;
      this.lastTimestampField = s >= 1 ? `|T${s}` : '';
    }
    return this.lastTimestampField;
  }

  /** Plain StatsD and Telegraf read a signed gauge as a delta: reset to 0 first, then apply. */
  private gauge(out: LineSink, x: number, notes: Tally, d: MetricDatum): void {
    if (x < 0 && !this.dogstatsd && Number.isFinite(x)) out.add(`${this.head}0${this.rest}`, this.headBytes + 1 + this.restBytes);
    this.line(out, x, notes, d);
  }

  /** A value observed `w` times: one line with `|@1/w`, `w` lines (`repeat`), or one line when `w` < 1. */
  private weighted(out: LineSink, x: number, w: number, notes: Tally, d: MetricDatum): void {
    if (w === 1) return this.line(out, x, notes, d);
    if (w < 1) {
      notes.add('count_fractional_below_one', `${d.namespace}/${d.name} has a value with count ${w}`);
      return this.line(out, x, notes, d);
    }
    const repeat = this.o.sampleCounts === 'repeat' && Number.isInteger(w) && w <= this.o.maxRepeat;
    if (!this.finite(x, notes, d, repeat ? w : 1)) return;
    const value = `${x}`;
    if (repeat) {
      // One line, added w times.
      const line = this.head + value + this.rest;
      const bytes = this.headBytes + value.length + this.restBytes;
      for (let i = 0; i < w; i++) out.add(line, bytes);
      return;
    }
    const rate = `|@${1 / w}`;
    out.add(this.head + value + this.tail + rate + this.suffix, this.headBytes + value.length + this.tail.length + rate.length + this.suffixBytes);
  }

  /** `head value rest`. A finite number's text is ASCII: its length is its byte count. */
  private line(out: LineSink, x: number, notes: Tally, d: MetricDatum): void {
    if (!this.finite(x, notes, d, 1)) return;
    const value = `${x}`;
    out.add(this.head + value + this.rest, this.headBytes + value.length + this.restBytes);
  }

  /** False when `x` is not finite, counted once for each of the `lines` it would have made. */
  private finite(x: number, notes: Tally, d: MetricDatum, lines: number): boolean {
    if (Number.isFinite(x)) return true;
    notes.add('value_not_finite', `${d.namespace}/${d.name} in ${d.unit} is not finite in milliseconds`, lines);
    return false;
  }
}
