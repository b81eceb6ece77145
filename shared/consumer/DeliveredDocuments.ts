/**
 * The container's memory of the documents it has settled (docs/architecture.md#de-duplication): a
 * document's data delivered, or dropped for good by a provider `failure`, so that the same document
 * arriving again (Lambda redelivering a batch from a failed record, the forwarder's asynchronous retry
 * writing it in new records) is not delivered twice. It lives as long as the container, so it reaches
 * only redeliveries that this container handles; a new container starts empty.
 *
 * Bounded by entries (`CONSUMER_DEDUP_DOCUMENTS`): past the bound the oldest entry is forgotten, and
 * that document would be delivered again. Entries are kept by origin (account, region, log group, log
 * stream), then by event id: the key of an entry is the event id string the record's JSON gave, kept as
 * it is, so remembering a document allocates no key. Measured 121 bytes per entry (Node 20 and 22, 200,000
 * entries of 56-digit ids over 50 log streams): the default 100,000 entries hold about 12 MB.
 */
import { createHash } from 'node:crypto';
import type { RecordContext } from '../record/format.ts';

/** Longer event ids (CloudWatch's are 56 digits) are remembered by their hash, so an entry stays small whatever a producer writes. */
const MAX_ID_CHARS = 64;

/**
 * Remembered documents, by origin (`originKey`) and document key (`documentKey`): how many of their data
 * are settled, and whether that is all of them. The count is what makes a redelivered document resume
 * where it stopped: its expansion into data is deterministic, so the first `data` of it are the settled ones.
 *
 * @example
 * const memory = new DeliveredDocuments(100_000);
 * memory.remember(origin, key, 3, false);     // 3 data settled, more to come
 * memory.recall(memory.of(origin), key);      // → { data: 3, complete: false }
 */
export class DeliveredDocuments {
  /** origin → document key → settled data × 2 + (1 when complete): one small integer, no object per entry. */
  private readonly origins = new Map<string, Map<string, number>>();
  /** Insertion order, for forgetting the oldest: the origin and key of each entry, a ring of `limit` slots. */
  private readonly ringOrigins: string[] = [];
  private readonly ringKeys: string[] = [];
  private oldest = 0;
  private count = 0;

  /** @param limit most documents remembered; 0 remembers none (de-duplication off). */
  constructor(readonly limit: number) {}

  get size(): number {
    return this.count;
  }

  /** The entries of one origin (undefined when none), for `recall`: looked up once per record. */
  of(origin: string): ReadonlyMap<string, number> | undefined {
    return this.origins.get(origin);
  }

  /** What is remembered of the document, or undefined. */
  recall(entries: ReadonlyMap<string, number> | undefined, key: string): { data: number; complete: boolean } | undefined {
    const v = entries?.get(key);
    return v === undefined ? undefined : { data: Math.floor(v / 2), complete: v % 2 === 1 };
  }

  /** Remembers that `data` of the document's data are settled (`complete`: all of them). Forgets the oldest past the limit. */
  remember(origin: string, key: string, data: number, complete: boolean): void {
    if (this.limit === 0) return;
    let entries = this.origins.get(origin);
    if (entries === undefined) this.origins.set(origin, (entries = new Map()));
    const known = entries.size;
    entries.set(key, data * 2 + (complete ? 1 : 0));
    if (entries.size === known) return; // an update keeps its place
    if (this.count === this.limit) this.forgetOldest();
    const slot = (this.oldest + this.count) % this.limit;
    this.ringOrigins[slot] = origin;
    this.ringKeys[slot] = key;
    this.count++;
  }

  private forgetOldest(): void {
    const origin = this.ringOrigins[this.oldest]!;
    const entries = this.origins.get(origin)!;
    entries.delete(this.ringKeys[this.oldest]!);
    if (entries.size === 0) this.origins.delete(origin);
    this.oldest = (this.oldest + 1) % this.limit;
    this.count--;
  }
}

/**
 * Where a record's documents were logged: account, region, log group and log stream, one string per
 * record. CloudWatch documents its event ids only as ids of events, not as unique across log groups, and
 * records from other producers may number events per stream: so a document is known by origin and id.
 */
export function originKey(ctx: RecordContext): string {
  // As JSON: no two origins give the same string, whatever characters the names hold.
  return JSON.stringify([ctx.owner, ctx.region, ctx.logGroup, ctx.logStream]);
}

/**
 * A document's key within its origin: its log event id (the string itself: no allocation), or, when a
 * record holds several documents of the same event (our forwarder writes one per event; other producers
 * may not), the id with their rank. An id over 64 characters is replaced by its hash.
 */
export function documentKey(id: string, rank: number): string {
  const eventId = id.length > MAX_ID_CHARS ? `\u0000#${createHash('sha256').update(id).digest('base64url')}` : id;
  // A rank starts with NUL, which a CloudWatch event id (digits) never holds.
  return rank === 0 ? eventId : `\u0000${rank}:${eventId}`;
}
