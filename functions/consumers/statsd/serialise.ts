/**
 * Metric data → StatsD lines, exactly as they go on the wire. Pure: no I/O.
 *
 * Line shapes (`[…]` optional):
 * - DogStatsD: `name:value|type[|@rate][|#k:v,k:v][|T<seconds>]` (Datadog's documented field order)
 * - Telegraf:  `name[,k=v,k=v]:value|type[|@rate]`
 * - StatsD:    `name[.k.v.k.v]:value|type[|@rate]` (tags folded into the name, sorted by key)
 *
 * Tags, in this order: global tags, source tags, allow-listed properties, the datum's
 * dimensions (the dimension set's order). A key met again keeps its first position and takes
 * the later value, so a dimension beats a property, which beats a source or global tag.
 *
 * Observations (what `ms`, `h` and `d` lines carry): every element of an array is one; a
 * statistic set with `Values` gives each value with its count (a missing `Counts` means 1 each,
 * as in CloudWatch); one without `Values` gives `Min` once, `Max` once and `Count − 2`
 * observations of `(Sum − Min − Max)/(Count − 2)`, which keeps its sum, count, minimum and maximum.
 * A value observed n ≠ 1 times is one line with `|@1/n` (`STATSD_SAMPLE_COUNTS=rate`), or n lines
 * (`repeat`, for integer n ≤ `STATSD_MAX_REPEAT`). Counters send the sum; gauges send each
 * value of an array, and a statistic set's average (`Sum/Count`).
 */
import type { Tally } from '../../../shared/tally.ts';
import { isStatisticSet, type DatumSource, type MetricDatum } from '../../../shared/consumer/types.ts';
import type { SerialiseOptions } from './config.ts';
import type { SourceTag, StatsdType } from './constants.ts';
import { TYPE_CODES, resolveType, valueFactor } from './mapping.ts';
import { formatTag, memoise, sanitiseMetricName, sanitiseSegment, sanitiseTagKey, sanitiseTagValue } from './sanitise.ts';

/** Reasons counted while serialising (logged once per send, with an example each). */
export const SERIALISE_NOTES = {
  /** A statistic set with `Count` 0 has no observation to send as a gauge, timing, histogram or distribution. */
  statistic_set_empty: 'datum',
  /** A count between 0 and 1 cannot be a sample rate (> 1): the value is sent once. */
  count_fractional_below_one: 'value',
  /** A time value overflowed to ±Infinity when converted to milliseconds: not sent. */
  value_not_finite: 'value',
  /** An allow-listed property is an object, array, null or empty string: not a tag. Counted once per dimension set of a document. */
  property_tag_not_scalar: 'dimension set',
} as const;
export type SerialiseNote = keyof typeof SERIALISE_NOTES;

/** A sanitised metric name and the DogStatsD line head made of it. */
interface MetricName {
  name: string;
  head: string;
}

/** `|<type code>` for each type code. */
const TAILS = Object.fromEntries(Object.values(TYPE_CODES).map((c) => [c, `|${c}`])) as Readonly<Record<(typeof TYPE_CODES)[StatsdType], string>>;

const SOURCE_VALUE: Record<SourceTag, (d: MetricDatum) => string> = {
  namespace: (d) => d.namespace,
  account: (d) => d.source.account,
  region: (d) => d.source.region,
  log_group: (d) => d.source.logGroup,
  log_stream: (d) => d.source.logStream,
};

/**
 * Built once per container from the config; `append` is the hot path (memoised names and
 * tags, no per-line arrays).
 *
 * @example
 * const s = new StatsdSerialiser(config.serialise);
 * const lines: string[] = [];
 * for (const d of data) s.append(d, lines, notes);
 */
export class StatsdSerialiser {
  private readonly name: (s: string) => string;
  private readonly key: (s: string) => string;
  private readonly value: (s: string) => string;
  private readonly names = new Map<string, Map<string, MetricName>>();
  // The namespace of the previous datum and its name map: data of one group share the namespace.
  private lastNamespaceNames: Map<string, MetricName> | undefined;
  private lastNamespaceKey: string | undefined;
  private readonly types = new Map<string, StatsdType>();
  private readonly globalPairs: readonly (readonly [string, string])[];
  // One-entry memo of the tag text: data of one dimension set of one document share these objects.
  private lastDims: unknown;
  private lastProps: unknown;
  private lastSource: DatumSource | undefined;
  private lastNamespace = '';
  private lastTags = '';
  // The current datum's line parts: `head + value + tail[|@rate] + suffix` (fields, not an object per datum).
  private head = '';
  private tail = '';
  private suffix = '';

  constructor(private readonly o: SerialiseOptions) {
    const folded = o.style === 'statsd';
    this.name = memoise((s) => sanitiseMetricName(s, !folded));
    this.key = memoise(folded ? sanitiseSegment : sanitiseTagKey);
    this.value = memoise(folded ? sanitiseSegment : (s) => sanitiseTagValue(s, o.style));
    this.globalPairs = o.globalTags.map(([k, v]) => [this.key(k), this.value(v)] as const);
  }

  /** Appends the lines of `d` to `out`; problems are counted in `notes`. */
  append(d: MetricDatum, out: string[], notes: Tally): void {
    const type = this.typeOf(d);
    const code = TYPE_CODES[type];
    const factor = valueFactor(d.unit);
    const tags = this.tagsOf(d, notes);
    const name = this.metricName(d.namespace, d.name);
    const dogstatsd = this.o.style === 'dogstatsd';
    // DogStatsD's head (`name:`) is the same for every datum of a metric: kept with the name.
    this.head = dogstatsd ? name.head : `${name.name}${tags}:`;
    this.tail = TAILS[code];
    this.suffix = dogstatsd ? tags + (this.o.timestamps && (type === 'counter' || type === 'gauge') ? timestampField(d.timestamp) : '') : '';
    const v = d.value;

    if (type === 'counter') {
      let total = 0;
      if (typeof v === 'number') total = v;
      else if (isStatisticSet(v)) total = v.sum;
      else for (const x of v) total += x;
      this.line(out, total * factor, 1, notes, d);
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
      this.line(out, v * factor, 1, notes, d);
    } else if (!isStatisticSet(v)) {
      for (const x of v) this.line(out, x * factor, 1, notes, d);
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
      this.line(out, v.min * factor, 1, notes, d);
      this.line(out, v.max * factor, 1, notes, d);
      const rest = v.count - 2;
      if (rest > 0) this.weighted(out, ((v.sum - v.min - v.max) / rest) * factor, rest, notes, d);
    }
  }

  private typeOf(d: MetricDatum): StatsdType {
    if (this.o.overrides.length === 0) return resolveType(d.name, d.unit, this.o);
    const k = `${d.unit}\u0000${d.name}`;
    let t = this.types.get(k);
    if (t === undefined) {
      t = resolveType(d.name, d.unit, this.o);
      if (this.types.size >= 10_000) this.types.clear();
      this.types.set(k, t);
    }
    return t;
  }

  private metricName(namespace: string, metric: string): MetricName {
    let byName = namespace === this.lastNamespaceKey ? this.lastNamespaceNames : this.names.get(namespace);
    if (byName === undefined) {
      if (this.names.size >= 1_000) this.names.clear();
      byName = new Map();
      this.names.set(namespace, byName);
    }
    this.lastNamespaceKey = namespace;
    this.lastNamespaceNames = byName;
    let n = byName.get(metric);
    if (n === undefined) {
      const parts = [];
      if (this.o.prefix !== '') parts.push(this.o.prefix);
      if (this.o.namespaceInName) parts.push(namespace);
      parts.push(metric);
      const name = this.name(parts.join('.'));
      n = { name, head: `${name}:` };
      if (byName.size >= 10_000) byName.clear();
      byName.set(metric, n);
    }
    return n;
  }

  /** The style's tag text: `|#k:v,…` (DogStatsD), `,k=v,…` (Telegraf) or `.k.v.…` (StatsD); '' when there are none. */
  private tagsOf(d: MetricDatum, notes: Tally): string {
    if (d.dimensions === this.lastDims && d.properties === this.lastProps && d.source === this.lastSource && d.namespace === this.lastNamespace) {
      return this.lastTags;
    }
    const pairs = new Map<string, string>(this.globalPairs);
    for (const s of this.o.sourceTags) pairs.set(this.key(s), this.value(SOURCE_VALUE[s](d)));
    for (const k of this.o.propertyTags) {
      if (!(k in d.properties)) continue;
      const raw = d.properties[k];
      if ((typeof raw === 'string' && raw !== '') || typeof raw === 'boolean' || (typeof raw === 'number' && Number.isFinite(raw))) {
        pairs.set(this.key(k), this.value(String(raw)));
      } else {
        notes.add('property_tag_not_scalar', `property "${k}" of ${d.namespace}/${d.name} is ${JSON.stringify(raw) ?? typeof raw}`);
      }
    }
    for (const k in d.dimensions) pairs.set(this.key(k), this.value(d.dimensions[k]!));

    let text = '';
    if (pairs.size > 0) {
      const style = this.o.style;
      if (style === 'statsd') {
        for (const k of [...pairs.keys()].sort()) text += `.${k}.${pairs.get(k)!}`;
      } else {
        const tags: string[] = [];
        for (const [k, v] of pairs) tags.push(formatTag(k, v, style));
        text = style === 'dogstatsd' ? `|#${tags.join(',')}` : `,${tags.join(',')}`;
      }
    }
    this.lastDims = d.dimensions;
    this.lastProps = d.properties;
    this.lastSource = d.source;
    this.lastNamespace = d.namespace;
    this.lastTags = text;
    return text;
  }

  /** Plain StatsD and Telegraf read a signed gauge as a delta: reset to 0 first, then apply. */
  private gauge(out: string[], x: number, notes: Tally, d: MetricDatum): void {
    if (x < 0 && this.o.style !== 'dogstatsd' && Number.isFinite(x)) out.push(`${this.head}0${this.tail}${this.suffix}`);
    this.line(out, x, 1, notes, d);
  }

  private weighted(out: string[], x: number, w: number, notes: Tally, d: MetricDatum): void {
    if (w === 1) return this.line(out, x, 1, notes, d);
    if (w < 1) {
      notes.add('count_fractional_below_one', `${d.namespace}/${d.name} has a value with count ${w}`);
      return this.line(out, x, 1, notes, d);
    }
    if (this.o.sampleCounts === 'repeat' && Number.isInteger(w) && w <= this.o.maxRepeat) {
      for (let i = 0; i < w; i++) this.line(out, x, 1, notes, d);
      return;
    }
    this.line(out, x, 1 / w, notes, d);
  }

  private line(out: string[], x: number, rate: number, notes: Tally, d: MetricDatum): void {
    if (!Number.isFinite(x)) {
      notes.add('value_not_finite', `${d.namespace}/${d.name} in ${d.unit} is not finite in milliseconds`);
      return;
    }
    out.push(rate === 1 ? `${this.head}${x}${this.tail}${this.suffix}` : `${this.head}${x}${this.tail}|@${rate}${this.suffix}`);
  }
}

/** `|T<seconds>`, rounded down so it is never in the future; omitted before 1970-01-01T00:00:01 (the Agent rejects `T0`). */
function timestampField(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s >= 1 ? `|T${s}` : '';
}
