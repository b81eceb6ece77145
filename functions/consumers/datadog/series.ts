/**
 * The `series` mode's memory: per container, the point of each count and gauge series in each interval,
 * as Datadog should hold it from this writer. Datadog keeps the LAST point it gets for a series and
 * timestamp, so two writers of one series, or two writes of one interval by the same writer, would
 * overwrite each other. So each consumer container writes only its own series (the writer tag), and
 * always writes an interval's whole value: a count's total so far, a gauge's latest value. Writing the
 * same value again changes nothing, so a retried request cannot count twice; changes are applied here
 * only once the data they come from are delivered (`commit`), so redelivered data add up exactly once.
 */
import type { Tally } from '../../../shared/tally.ts';
import { DATADOG_REASONS, ENVELOPE_BYTES, type Loss, type SeriesChange } from './translate.ts';

interface Point {
  head: string;
  timestamp: number;
  type: 'count' | 'gauge';
  /** count: the total; gauge: the latest value. */
  value: number;
  observedAt: number;
}

/** What `plan` writes: the requests, and the points whose total overflowed (not finite), which it leaves out. */
export interface SeriesPlan {
  requests: SeriesRequest[];
  overflowed: string[];
}

/** One request to `/api/v2/series`. */
export interface SeriesRequest {
  body: string;
  /** The points' keys, and the values written for them. */
  keys: string[];
  values: number[];
  /** Data whose changes are in it. */
  data: number;
}

export class SeriesState {
  private readonly points = new Map<string, Point>();
  /** The value Datadog last accepted for each point. */
  private readonly sent = new Map<string, number>();
  /**
   * Points whose committed value is not the one Datadog holds: a chunk wrote its whole value, then gave up
   * part-way (only the delivered part is committed), or another invocation of this process wrote the point
   * in between (`npm start` runs shards side by side). The next plan writes them again.
   */
  private readonly dirty = new Set<string>();

  constructor(private readonly maxSeries: number) {}

  /** Points kept. */
  get size(): number {
    return this.points.size;
  }

  /**
   * The changes that may be kept: a point not kept yet is refused once the container keeps `maxSeries`
   * (counted in `dropped`, its position in `lost`).
   */
  admit(changes: readonly SeriesChange[], dropped: Tally, lost: Loss[]): SeriesChange[] {
    const fresh = new Set<string>();
    const admitted: SeriesChange[] = [];
    for (const c of changes) {
      if (!this.points.has(c.key) && !fresh.has(c.key)) {
        if (this.points.size + fresh.size >= this.maxSeries) {
          dropped.add(DATADOG_REASONS.series_limit, () => `${this.maxSeries} series × intervals kept already (DD_MAX_SERIES)`);
          lost.push({ at: c.position, reason: DATADOG_REASONS.series_limit });
          continue;
        }
        fresh.add(c.key);
      }
      admitted.push(c);
    }
    return admitted;
  }

  /**
   * The requests that write the points `changes` touch, each with its whole value: what is committed plus
   * every change (counts add, the latest gauge wins). `skip`: keys already written for these changes.
   */
  plan(changes: readonly SeriesChange[], skip: ReadonlySet<string>, maxRequestBytes: number): SeriesPlan {
    const next = new Map<string, Point & { data: number }>();
    for (const key of this.dirty) {
      const p = this.points.get(key);
      if (p !== undefined && !skip.has(key)) next.set(key, { ...p, data: 0 });
    }
    for (const c of changes) {
      if (skip.has(c.key)) continue;
      let p = next.get(c.key);
      if (p === undefined) {
        const base = this.points.get(c.key);
        p = base === undefined ? { head: c.head, timestamp: c.timestamp, type: c.type, value: c.type === 'count' ? 0 : Number.NaN, observedAt: -Infinity, data: 0 } : { ...base, data: 0 };
        next.set(c.key, p);
      }
      apply(p, c);
      p.data++;
    }
    // Points of one series together, in time order (a series' points must be in one entry). A total that
    // overflowed cannot be written (JSON has no Infinity): its point is left out and named.
    const overflowed: string[] = [];
    const bySeries = new Map<string, (Point & { data: number; key: string })[]>();
    for (const [key, p] of next) {
      if (!Number.isFinite(p.value)) {
        overflowed.push(key);
        this.dirty.delete(key);
        continue;
      }
      let list = bySeries.get(p.head);
      if (list === undefined) bySeries.set(p.head, (list = []));
      list.push({ ...p, key });
    }
    const requests: SeriesRequest[] = [];
    let parts: string[] = [];
    let keys: string[] = [];
    let values: number[] = [];
    let data = 0;
    let bytes = ENVELOPE_BYTES;
    const close = () => {
      if (parts.length === 0) return;
      requests.push({ body: `{"series":[${parts.join(',')}]}`, keys, values, data });
      parts = [];
      keys = [];
      values = [];
      data = 0;
      bytes = ENVELOPE_BYTES;
    };
    for (const [head, list] of bySeries) {
      list.sort((a, b) => a.timestamp - b.timestamp);
      let points = '';
      const headBytes = Buffer.byteLength(head) + 16;
      for (const p of list) {
        const point = `{"timestamp":${p.timestamp},"value":${p.value}}`;
        if (bytes + headBytes + points.length + point.length + 1 > maxRequestBytes && (points !== '' || parts.length > 0)) {
          if (points !== '') parts.push(`${head}"points":[${points}]}`);
          close();
          points = '';
        }
        points += (points === '' ? '' : ',') + point;
        keys.push(p.key);
        values.push(p.value);
        data += p.data;
      }
      parts.push(`${head}"points":[${points}]}`);
      bytes += headBytes + points.length;
    }
    close();
    return { requests, overflowed };
  }

  /** Points to write again (see `dirty`). */
  get dirtyCount(): number {
    return this.dirty.size;
  }

  /** Datadog accepted `r`. */
  accepted(r: SeriesRequest): void {
    r.keys.forEach((key, i) => {
      this.sent.set(key, r.values[i]!);
      if (this.points.get(key)?.value === r.values[i]) this.dirty.delete(key);
    });
  }

  /** Applies the changes at positions [from, to) whose keys were not rejected: their data are delivered. */
  commit(changes: readonly SeriesChange[], from: number, to: number, rejected: ReadonlySet<string>): void {
    const touched = new Set<string>();
    for (const c of changes) {
      if (c.position < from || c.position >= to || rejected.has(c.key)) continue;
      let p = this.points.get(c.key);
      if (p === undefined) {
        p = { head: c.head, timestamp: c.timestamp, type: c.type, value: c.type === 'count' ? 0 : Number.NaN, observedAt: -Infinity };
        this.points.set(c.key, p);
      }
      apply(p, c);
      touched.add(c.key);
    }
    for (const key of touched) {
      if (this.sent.get(key) === this.points.get(key)!.value) this.dirty.delete(key);
      else this.dirty.add(key);
    }
  }

  /**
   * After a chunk gave up: a count point written with the whole chunk's changes, none of which were delivered,
   * holds more in Datadog than committed here. It is written again with the committed value (the next plan),
   * so the redelivery, by this container or another, adds up exactly. (A gauge has no value to go back to.)
   */
  wroteAhead(changes: readonly SeriesChange[], written: ReadonlySet<string>): void {
    for (const c of changes) {
      if (c.type !== 'count' || !written.has(c.key)) continue;
      let p = this.points.get(c.key);
      if (p === undefined) {
        p = { head: c.head, timestamp: c.timestamp, type: c.type, value: 0, observedAt: -Infinity };
        this.points.set(c.key, p);
      }
      if (this.sent.get(c.key) !== p.value) this.dirty.add(c.key);
    }
  }

  /** Forgets points of intervals that started before `oldestSeconds`: Datadog would not take them again. */
  expire(oldestSeconds: number): void {
    for (const [key, p] of this.points) {
      if (p.timestamp >= oldestSeconds) continue;
      this.points.delete(key);
      this.sent.delete(key);
      this.dirty.delete(key);
    }
  }
}

function apply(p: Point, c: SeriesChange): void {
  if (c.type === 'count') p.value += c.value;
  else if (c.observedAt >= p.observedAt) {
    p.value = c.value;
    p.observedAt = c.observedAt;
  }
}
