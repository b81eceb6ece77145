/**
 * How the handler holds the data of a batch of Kinesis records: not at all, as far as it can.
 * A chunk is a place in the stream of records (its first datum and at most `maxBatch` data), and
 * its records are decoded while the provider reads it: each record's groups (one per directive
 * and dimension set, see `emfToGroups`) are handed to the provider and forgotten before the next
 * record is decoded. So however large the chunk, the decoded documents alive at once are about
 * one record's, and they die young: a provider that reduces data as it reads (Prometheus builds
 * series, StatsD builds lines) keeps only what it built. Measured on the bench corpus, holding a
 * 10,000-datum chunk of groups cost a third more time than the decoding itself, all of it in the
 * garbage collector copying and promoting the held groups.
 *
 * Reading a chunk again (a retried `send`, a second `forEach`) decodes its records again, the
 * same way (problems are counted only the first time). Reading `length` before the first
 * `forEach` decodes the chunk and holds its groups, as a chunk of data must then exist before it
 * is read. Streaming providers read a chunk with `forEach` (see `MetricData`): nothing is allocated
 * per datum, one datum object is refilled from the group's parallel arrays. For any other provider
 * the handler makes the chunk an array of separate data with `toArray`, in the same single pass.
 * With a `DocumentLedger`, documents already delivered take no place in the stream at all.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { Tally } from '../tally.ts';
import { decodeKinesisRecordGroups } from './decode.ts';
import { expandGroup, type MetricGroup } from './emfToData.ts';
import type { DocumentLedger } from './DocumentLedger.ts';
import type { DecodeIssues } from './reasons.ts';
import type { MetricData, MetricDatum } from './types.ts';

/** Receives data `from`..`to` (exclusive) of group `g`, in stream order. */
type Emit = (g: MetricGroup, from: number, to: number) => void;

/**
 * The records of one invocation as a sequence of chunks of at most `maxBatch` data, in order.
 * Chunks are read in the order `next` hands them out; asking for the next one settles the previous.
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
  /** Groups decoded (from one record) and not yet handed out, from `head` on. */
  private readonly queue: MetricGroup[] = [];
  private head = 0;
  /** Data of `queue[head]` already handed out. */
  private headOffset = 0;
  private decodedTotal = 0;
  /** Data handed out to chunks so far: the index of the next chunk's first datum. */
  private taken = 0;
  /** The chunk that has not read its data yet (it reads them from the stream's position). */
  private open: Chunk | undefined;

  constructor(
    private readonly records: readonly KinesisStreamRecord[],
    private readonly maxBatch: number,
    private readonly issues: DecodeIssues,
    private readonly decodeOpts: { maxBytes?: number },
    /** Passes over documents delivered before (de-duplication) and places the others in the stream. */
    private readonly ledger?: DocumentLedger,
  ) {}

  /** Data decoded so far (all of them once `next` returned undefined or `drain` ran). */
  get decoded(): number {
    return this.decodedTotal;
  }

  /**
   * The next chunk; undefined when every record is handed out. Decodes ahead only to the next
   * record with data. A previous chunk that was never read is settled first (it holds its data).
   */
  next(): Chunk | undefined {
    this.open?.hold();
    if (!this.fill()) return undefined;
    this.open = new Chunk(this, this.taken, this.maxBatch);
    return this.open;
  }

  /** Decodes the records not decoded yet, only to count them (after delivery stopped). */
  drain(): void {
    this.open?.skip();
    const discard = { push: (_g: MetricGroup) => undefined };
    while (this.recordEnds.length < this.records.length) this.decodeNext(discard);
  }

  /** The index of the record holding datum `i` (of the data decoded so far). */
  recordOf(i: number): number {
    let lo = 0;
    let hi = this.recordEnds.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.recordEnds[mid]! <= i) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Data handed out to chunks so far: the index of the next chunk's first datum. */
  get position(): number {
    return this.taken;
  }

  /** @internal Hands the next (up to) `max` data to `emit`. Only the chunk that owns the position calls it. */
  take(chunk: Chunk, max: number, emit: Emit): void {
    if (this.open === chunk) this.open = undefined;
    let n = 0;
    while (n < max && this.fill()) {
      const g = this.queue[this.head]!;
      const size = g.defs.names.length;
      const from = this.headOffset;
      const to = Math.min(size, from + (max - n));
      // The position moves before `emit` runs: if it throws, the stream is still consistent.
      if (to === size) {
        this.queue[this.head++] = undefined as unknown as MetricGroup; // forgotten: the reader has it now
        this.headOffset = 0;
      } else {
        this.headOffset = to;
      }
      n += to - from;
      this.taken += to - from;
      emit(g, from, to);
    }
  }

  /** @internal Hands data `start`..`end` to `emit` again, decoding their records again (problems are not counted twice). */
  replay(start: number, end: number, emit: Emit): void {
    const scratch = { dropped: new Tally(), warnings: new Tally() };
    const groups: MetricGroup[] = [];
    for (let r = this.recordOf(start); r < this.recordEnds.length; r++) {
      let base = r === 0 ? 0 : this.recordEnds[r - 1]!;
      if (base >= end) break;
      groups.length = 0;
      decodeKinesisRecordGroups(this.records[r]!, scratch, this.decodeOpts, groups, this.ledger?.replaying(r));
      for (const g of groups) {
        const size = g.defs.names.length;
        const from = Math.max(0, start - base);
        const to = Math.min(size, end - base);
        if (from < to) emit(g, from, to);
        base += size;
      }
    }
  }

  /** Makes sure a group with data waits in the queue, decoding records as needed; false at the end of the records. */
  private fill(): boolean {
    while (this.head === this.queue.length) {
      if (this.recordEnds.length === this.records.length) return false;
      this.queue.length = 0;
      this.head = 0;
      this.decodeNext(this.queue);
    }
    return true;
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
    const r = decodeKinesisRecordGroups(record, this.issues, this.decodeOpts, sink, this.ledger?.reading(this.recordEnds.length));
    this.documents += r.documents;
    if (!r.decoded) this.recordsUndecodable++;
    this.decodedTotal += n;
    this.recordEnds.push(this.decodedTotal);
  }
}

interface Span {
  group: MetricGroup;
  from: number;
  to: number;
}

/**
 * A chunk of data: `MetricData` over a place in a `ChunkStream`. The first `forEach` decodes
 * its records as it goes; later ones decode them again (or read the held groups, see `length`).
 */
export class Chunk implements MetricData {
  private state: 'open' | 'reading' | 'read' | 'held' = 'open';
  private n = 0;
  private spans: Span[] = [];

  constructor(
    private readonly stream: ChunkStream,
    private readonly start: number,
    private readonly max: number,
  ) {}

  /** How many data the chunk holds. Read before the first `forEach`, it decodes and holds them. */
  get length(): number {
    if (this.state === 'open') this.hold();
    if (this.state === 'reading') throw new TypeError('a chunk\'s length is not known inside its first forEach');
    return this.n;
  }

  forEach(fn: (d: MetricDatum, index: number) => void): void {
    // One datum per call (not per chunk), refilled; fields in MetricDatum's order, so
    // JSON.stringify(d) reads like a plain datum.
    const d: MetricDatum = {
      namespace: '', name: '', unit: 'None', storageResolution: 60, type: undefined, timestamp: 0, value: 0,
      dimensions: EMPTY, directiveDimensions: EMPTY, properties: EMPTY, source: NO_SOURCE,
    };
    let index = 0;
    this.walk((g, from, to) => {
      const { names, units, resolutions, values, types } = g.defs;
      d.namespace = g.namespace;
      d.timestamp = g.timestamp;
      d.dimensions = g.dimensions;
      d.directiveDimensions = g.directiveDimensions;
      d.properties = g.properties;
      d.source = g.source;
      for (let i = from; i < to; i++) {
        d.name = names[i]!;
        d.unit = units[i]!;
        d.storageResolution = resolutions[i]!;
        // Set for every datum, undefined when the group declares none: never left over from the previous datum.
        d.type = types === undefined ? undefined : types[i];
        d.value = values[i]!;
        fn(d, index++);
      }
    });
  }

  /**
   * The chunk's data as separate objects, made in one pass (the first reading decodes the records as
   * it goes); the groups' maps, sources and values are shared, not copied. What a plain `Provider` gets.
   */
  toArray(): MetricDatum[] {
    const out: MetricDatum[] = [];
    this.walk((g, from, to) => expandGroup(g, out, from, to));
    return out;
  }

  /** @internal Reads the data from the stream and holds their groups (a chunk handed on unread). */
  hold(): void {
    if (this.state !== 'open') return;
    const spans: Span[] = [];
    this.read((group, from, to) => spans.push({ group, from, to }));
    this.spans = spans;
    this.state = 'held';
  }

  /** @internal Moves the stream past the chunk without reading its data (they can still be read: again from the records). */
  skip(): void {
    if (this.state === 'open') this.read(NO_EMIT);
  }

  private walk(emit: Emit): void {
    switch (this.state) {
      case 'open':
        return this.read(emit);
      case 'held':
        for (const s of this.spans) emit(s.group, s.from, s.to);
        return;
      case 'read':
        return this.stream.replay(this.start, this.start + this.n, emit);
      case 'reading':
        throw new TypeError('a chunk cannot be read from inside its own first forEach');
    }
  }

  /** The first reading, from the stream's position. If `emit` throws, the stream still moves past the whole chunk. */
  private read(emit: Emit): void {
    this.state = 'reading';
    try {
      this.stream.take(this, this.max, emit);
    } catch (err) {
      this.stream.take(this, this.max - (this.stream.position - this.start), NO_EMIT);
      throw err;
    } finally {
      this.n = this.stream.position - this.start;
      this.state = 'read';
    }
  }
}

const NO_EMIT: Emit = () => undefined;
const EMPTY: Readonly<Record<string, string>> = Object.freeze({});
const NO_SOURCE: MetricDatum['source'] = Object.freeze({ account: '', region: '', logGroup: '', logStream: '', eventId: '', origin: 'emf' });
