/**
 * How the handler holds the data of a batch of Kinesis records: the groups of the decoded
 * documents (one per directive and dimension set, see `emfToGroups`), decoded record by record as
 * chunks are needed and forgotten once handed out, so a batch never holds more than about one
 * chunk of decoded data. Providers read a chunk with `forEach` (see `MetricData`): nothing is
 * allocated per datum, one datum object is refilled from the group's parallel arrays.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { decodeKinesisRecordGroups } from './decode.ts';
import { expandGroup, type DecodeIssues, type MetricGroup } from './emfToData.ts';
import type { MetricData, MetricDatum } from './types.ts';

interface Span {
  group: MetricGroup;
  from: number;
  to: number;
}

/**
 * The records of one invocation as a sequence of chunks of at most `maxBatch` data, in order.
 *
 * @example
 * const stream = new ChunkStream(event.Records, 1000, issues, {});
 * for (let chunk = stream.next(); chunk; chunk = stream.next()) await provider.send(chunk, ctx);
 */
export class ChunkStream {
  /** Documents in the records decoded so far. */
  documents = 0;
  recordsUndecodable = 0;
  /** `recordEnds[i]`: how many data records 0..i hold together. */
  readonly recordEnds: number[] = [];
  private readonly queue: MetricGroup[] = [];
  private head = 0;
  /** Data of `queue[head]` already handed out. */
  private headOffset = 0;
  /** Data decoded and not yet handed out. */
  private queued = 0;
  private decodedTotal = 0;

  constructor(
    private readonly records: readonly KinesisStreamRecord[],
    private readonly maxBatch: number,
    private readonly issues: DecodeIssues,
    private readonly decodeOpts: { maxBytes?: number },
  ) {}

  /** Data decoded so far (all of them once `next` returned undefined or `drain` ran). */
  get decoded(): number {
    return this.decodedTotal;
  }

  /** The next chunk, decoding records as needed; undefined when every record is handed out. */
  next(): Chunk | undefined {
    while (this.queued < this.maxBatch && this.recordEnds.length < this.records.length) this.decodeNext(this.queue);
    if (this.queued === 0) return undefined;
    let want = Math.min(this.maxBatch, this.queued);
    const spans: Span[] = [];
    const length = want;
    while (want > 0) {
      const g = this.queue[this.head]!;
      const n = g.defs.names.length;
      const to = Math.min(n, this.headOffset + want);
      spans.push({ group: g, from: this.headOffset, to });
      want -= to - this.headOffset;
      if (to === n) {
        this.queue[this.head++] = undefined as unknown as MetricGroup; // forget it: the chunk holds it now
        this.headOffset = 0;
      } else {
        this.headOffset = to;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.queued -= length;
    return new Chunk(spans, length);
  }

  /** Decodes the records not decoded yet, only to count them (after delivery stopped). */
  drain(): void {
    const discard = { push: (_g: MetricGroup) => undefined };
    while (this.recordEnds.length < this.records.length) this.decodeNext(discard);
  }

  /** The index of the record holding datum `i` (of the data decoded so far). */
  recordOf(i: number): number {
    let r = 0;
    while (this.recordEnds[r]! <= i) r++;
    return r;
  }

  private decodeNext(into: { push(g: MetricGroup): unknown }): void {
    const record = this.records[this.recordEnds.length]!;
    let n = 0;
    const sink = {
      push: (g: MetricGroup) => {
        const k = g.defs.names.length;
        if (k === 0) return;
        n += k;
        into.push(g);
      },
    };
    const r = decodeKinesisRecordGroups(record, this.issues, this.decodeOpts, sink);
    this.documents += r.documents;
    if (!r.decoded) this.recordsUndecodable++;
    this.decodedTotal += n;
    if (into === this.queue) this.queued += n;
    this.recordEnds.push(this.decodedTotal);
  }
}

/** A chunk of data: `MetricData` over group spans. */
export class Chunk implements MetricData {
  constructor(
    private readonly spans: readonly Span[],
    readonly length: number,
  ) {}

  forEach(fn: (d: MetricDatum, index: number) => void): void {
    // One datum per call (not per chunk): a provider may iterate while another iteration is paused.
    // Fields in MetricDatum's order, so JSON.stringify(d) reads like a plain datum.
    const d: MetricDatum = {
      namespace: '', name: '', unit: 'None', storageResolution: 60, timestamp: 0, value: 0,
      dimensions: EMPTY, directiveDimensions: EMPTY, properties: EMPTY, source: NO_SOURCE,
    };
    let index = 0;
    for (const s of this.spans) {
      const g = s.group;
      const { names, units, resolutions, values } = g.defs;
      d.namespace = g.namespace;
      d.timestamp = g.timestamp;
      d.dimensions = g.dimensions;
      d.directiveDimensions = g.directiveDimensions;
      d.properties = g.properties;
      d.source = g.source;
      for (let i = s.from; i < s.to; i++) {
        d.name = names[i]!;
        d.unit = units[i]!;
        d.storageResolution = resolutions[i]!;
        d.value = values[i]!;
        fn(d, index++);
      }
    }
  }

  /** The chunk's data as separate objects. */
  toArray(): MetricDatum[] {
    const out: MetricDatum[] = [];
    for (const s of this.spans) expandGroup(s.group, out, s.from, s.to);
    return out;
  }
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});
const NO_SOURCE: MetricDatum['source'] = Object.freeze({ account: '', region: '', logGroup: '', logStream: '', eventId: '', origin: 'emf' });

/** The data of any `MetricData` as separate objects (copies of a batch's reused datum). */
export function toDatumArray(data: MetricData): MetricDatum[] {
  if (Array.isArray(data)) return data as MetricDatum[];
  if (data instanceof Chunk) return data.toArray();
  const out: MetricDatum[] = [];
  data.forEach((d) => out.push({ ...d }));
  return out;
}
