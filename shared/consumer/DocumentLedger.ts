/**
 * One invocation's account of its documents (docs/architecture.md#de-duplication): which ones to pass
 * over because they were settled before (the container's `DeliveredDocuments`) or are already on their
 * way in this batch, where each admitted document's data stand in the stream of data handed to the
 * provider, and, once those data are confirmed, the container's memory and the documents' lag.
 *
 * Positions are those of the data the provider gets (documents passed over take none), the positions
 * `ChunkStream` and the handler's `confirmed` count in.
 */
import type { RecordContext, RecordV1 } from '../record/format.ts';
import type { DocumentGate } from './decode.ts';
import { documentKey, originKey, type DeliveredDocuments } from './DeliveredDocuments.ts';

/** Most lag values in a summary: the EMF limit of values in one array. */
const MAX_LAG_VALUES = 100;

/** Lag (delivery time minus log event time) of the documents an invocation delivered, as a bounded distribution. */
export interface LagDistribution {
  /** Documents delivered in full in the invocation. */
  documents: number;
  /**
   * At most 100 values, ascending, in ms: every document's lag when there are at most 100, otherwise the
   * quantiles (i + 0.5) / 100 of them all (i = 0…99).
   */
  valuesMs: number[];
}

/**
 * @example
 * const ledger = new DocumentLedger(memory);
 * const stream = new ChunkStream(records, 1000, issues, {}, ledger);
 * // … after the provider confirmed the first `confirmed` data:
 * ledger.settle(confirmed, false);
 */
export class DocumentLedger {
  /** Documents passed over whole, and all data passed over (theirs and the delivered first data of documents resumed). */
  readonly duplicates = { documents: 0, data: 0 };
  /** Data of the documents admitted so far: the position of the next one's first datum. */
  private position = 0;
  /** The admitted documents with data, in stream order (parallel arrays: no object per document). */
  private readonly origins: string[] = [];
  private readonly keys: (string | undefined)[] = [];
  private readonly starts: number[] = [];
  private readonly counts: number[] = [];
  /** Data passed over at the start of each (delivered before). */
  private readonly bases: number[] = [];
  private readonly times: number[] = [];
  /** The first admitted document not settled in full, and whether some of its data were lost. */
  private head = 0;
  private headLost = false;
  /** Admitted documents some of whose data a `failure` dropped before they were settled (see `dropped`). */
  private readonly lost = new Set<number>();
  private readonly lags: number[] = [];
  /** The smallest and largest lag (the logged line's range; `lag()`'s quantiles leave out the extremes). */
  private lagMin = Number.POSITIVE_INFINITY;
  private lagMax = Number.NEGATIVE_INFINITY;
  /**
   * Documents admitted in this invocation, by origin, with their data: a copy later in the batch is passed over.
   * A copy can only be in another record of the same origin, so an origin's claims are made when a second
   * record of it is read, from the admitted documents (`byOrigin`: their indices), and kept from then on.
   */
  private readonly claimed = new Map<string, Map<string, number>>();
  private readonly byOrigin = new Map<string, number[]>();
  private originDocs: number[] = [];
  /** Non-zero decisions of the first reading, by record and document index, so a second reading decodes the same data. */
  private readonly decisions = new Map<number, Map<number, number>>();
  private record = -1;
  /** The record being read: its origin, that origin's remembered and claimed documents. */
  private originOf: RecordContext | undefined;
  private origin = '';
  private remembered: ReadonlyMap<string, number> | undefined;
  private claimedHere: Map<string, number> | undefined;
  private lastId: string | undefined;
  private rank = 0;
  private docKey: string | undefined;
  private docTime = 0;

  constructor(private readonly memory: DeliveredDocuments) {}

  /** The gate for the first reading of record `r` (records are first read in order). */
  reading(r: number): DocumentGate {
    this.record = r;
    this.originOf = undefined;
    this.lastId = undefined;
    return this;
  }

  /** The gate for reading record `r` again: the first reading's decisions, nothing counted (none when it passed nothing over). */
  replaying(r: number): DocumentGate | undefined {
    const decided = this.decisions.get(r);
    if (decided === undefined) return undefined;
    return { skipOf: (_record, _doc, index) => decided.get(index) ?? 0, admitted: () => undefined };
  }

  /** @internal `DocumentGate.skipOf` of the first reading. */
  skipOf(record: RecordContext, doc: RecordV1['documents'][number], index: number): number {
    this.docTime = doc.timestamp;
    this.docKey = undefined;
    if (this.memory.limit === 0) return 0;
    if (this.originOf !== record) {
      this.originOf = record;
      this.origin = originKey(record);
      this.remembered = this.memory.of(this.origin);
      this.claimedHere = this.claimed.get(this.origin);
      const docs = this.byOrigin.get(this.origin);
      if (docs === undefined) this.byOrigin.set(this.origin, (this.originDocs = []));
      else if (this.claimedHere === undefined) this.claimedHere = this.claim(docs);
      else this.originDocs = docs;
    }
    this.rank = doc.id === this.lastId ? this.rank + 1 : 0;
    this.lastId = doc.id;
    const key = documentKey(doc.id, this.rank);
    const claimed = this.claimedHere?.get(key);
    const known = claimed === undefined ? this.memory.recall(this.remembered, key) : { data: claimed, complete: true };
    if (known === undefined) {
      this.docKey = key;
      return 0;
    }
    if (known.complete) {
      this.duplicates.documents++;
      this.duplicates.data += known.data;
      this.decide(index, Number.POSITIVE_INFINITY);
      return Number.POSITIVE_INFINITY;
    }
    this.docKey = key;
    this.decide(index, known.data);
    return known.data;
  }

  /** @internal `DocumentGate.admitted` of the first reading. */
  admitted(total: number, skipped: number): void {
    this.duplicates.data += skipped;
    const count = total - skipped;
    if (this.docKey === undefined) {
      if (count === 0) return;
    } else if (this.claimedHere !== undefined) {
      this.claimedHere.set(this.docKey, total);
      if (count === 0) return;
    } else {
      if (count === 0) return;
      this.originDocs.push(this.keys.length);
    }
    this.origins.push(this.origin);
    this.keys.push(this.docKey);
    this.starts.push(this.position);
    this.counts.push(count);
    this.bases.push(skipped);
    this.times.push(this.docTime);
    this.position += count;
  }

  /**
   * The provider confirmed data before position `upTo` (`lost`: the call that confirmed them answered `failure`,
   * which dropped some or all of them; settled all the same). Remembers the documents they complete, or how far
   * a document that continues after `upTo` got, and the lag of each document settled in full without a `failure`.
   */
  settle(upTo: number, lost: boolean): void {
    const now = Date.now();
    while (this.head < this.starts.length) {
      const h = this.head;
      const count = this.counts[h]!;
      const done = Math.min(count, upTo - this.starts[h]!);
      if (done <= 0) return;
      if (lost) this.headLost = true;
      const key = this.keys[h];
      if (done < count) {
        if (key !== undefined) this.memory.remember(this.origins[h]!, key, this.bases[h]! + done, false);
        return;
      }
      if (key !== undefined) this.memory.remember(this.origins[h]!, key, this.bases[h]! + count, true);
      if (!this.headLost && (this.lost.size === 0 || !this.lost.delete(h))) {
        const lag = now - this.times[h]!;
        this.lags.push(lag);
        if (lag < this.lagMin) this.lagMin = lag;
        if (lag > this.lagMax) this.lagMax = lag;
      }
      this.headLost = false;
      this.head++;
    }
  }

  /**
   * A `send` to a provider with `flush` dropped data `from`..`to` for good (`failure`), before anything since
   * the last settled point is confirmed. Remembers the documents that begin in that range as settled that far,
   * so a redelivery (if no flush succeeds) does not send their dropped data again. A document that began
   * before `from` cannot be: what is remembered is a first part of a document (the limit in
   * docs/architecture.md#de-duplication).
   */
  dropped(from: number, to: number): void {
    // From the last admitted document back (documents are admitted a record ahead at most).
    for (let h = this.starts.length - 1; h >= this.head; h--) {
      const start = this.starts[h]!;
      const count = this.counts[h]!;
      if (start >= to) continue;
      if (start + count <= from) return;
      this.lost.add(h);
      if (start < from) return;
      const done = Math.min(count, to - start);
      const key = this.keys[h];
      if (key !== undefined) this.memory.remember(this.origins[h]!, key, this.bases[h]! + done, done === count);
    }
  }

  /** The lag of the documents delivered so far (see `LagDistribution`). */
  lag(): LagDistribution {
    const n = this.lags.length;
    const sorted = Float64Array.from(this.lags).sort();
    if (n <= MAX_LAG_VALUES) return { documents: n, valuesMs: Array.from(sorted) };
    const valuesMs: number[] = [];
    for (let i = 0; i < MAX_LAG_VALUES; i++) valuesMs.push(sorted[Math.floor(((i + 0.5) * n) / MAX_LAG_VALUES)]!);
    return { documents: n, valuesMs };
  }

  /** The range of the lags for the log line: `{documents, minMs, maxMs}` (no range when no document was delivered). */
  lagRange(): { documents: number; minMs?: number; maxMs?: number } {
    const documents = this.lags.length;
    return documents === 0 ? { documents } : { documents, minMs: this.lagMin, maxMs: this.lagMax };
  }

  /** The claims of the current origin, from its documents admitted so far (a second record of it is being read). */
  private claim(docs: readonly number[]): Map<string, number> {
    const claims = new Map<string, number>();
    for (const h of docs) claims.set(this.keys[h]!, this.bases[h]! + this.counts[h]!);
    this.claimed.set(this.origin, claims);
    this.originDocs = [];
    return claims;
  }

  private decide(index: number, skip: number): void {
    let decided = this.decisions.get(this.record);
    if (decided === undefined) this.decisions.set(this.record, (decided = new Map()));
    decided.set(index, skip);
  }
}
