/**
 * `PROM_RW_MODE=cumulative`: the state one consumer container keeps, and what it writes.
 *
 * Prometheus wants one writer per series and cumulative values (docs/prometheus.md#why-cumulative-is-the-default).
 * So each container is a writer: it keeps, per EMF metric and label set, a counter, a histogram, a summary or a
 * gauge (their values and the pending deltas: cumulativeSeries.ts), and writes them under its own writer label,
 * stamped with its own clock. Rules, each held by a test:
 *
 * - **Applied only when written.** `accumulate` adds a chunk's observations to the invocation's
 *   *pending* deltas, never to the state. `flush` writes state + pending; only when the requests
 *   carrying a series are accepted is its delta applied. A flush given up leaves nothing of its
 *   records in the state, so their redelivery counts them once.
 * - **Never backwards.** Every value that may have reached the receiver (accepted, or sent without a
 *   definite answer) raises the series' *floor*. A counter, bucket or count is never written below
 *   its floor: such a series is held back (its delta still applied) until its truth passes the floor.
 *   So the receiver never sees a false counter reset, whatever happened to an earlier flush.
 * - **Strictly increasing timestamps per series**, from this container's clock; a new series gets a
 *   `0` sample 1 ms before its first value, so `rate()` and `increase()` see the first observations.
 * - **Heartbeats and expiry.** A series not updated for `heartbeatMs` is written again at the next
 *   flush, until `idleExpiryMs` without an update, when it is forgotten (a later observation starts
 *   it again from zero, which Prometheus reads as a counter reset: no count is lost). At most
 *   `maxSeries` series are kept; data of further series are dropped and counted.
 * - **One flush at a time** per container (several invocations of one process, as `npm start` runs
 *   shards, queue for it), so no two writes of one series interleave.
 */
import { randomBytes } from 'node:crypto';
import { isStatisticSet, type MetricData } from '../../../shared/consumer/types.ts';
import type { CumulativeOptions } from './config.ts';
import { applyDelta, deltaOf, proposedValues, raiseFloor, sumOf, withName, type Entry, type Pending } from './cumulativeSeries.ts';
import { compareStrings, convertValue } from './naming.ts';
import { labelsBytes, splitRequests, type PlannedWriteRequest } from './splitRequests.ts';
import type { Family } from './families.ts';
import type { LabelContext } from './labelContexts.ts';
import type { Translator } from './translate.ts';
import { ValueLayout } from './ValueLayout.ts';
import type { Label, Sample } from './writeRequest.ts';

/** A flush attempt: the requests to send and, for each, the entries it carries. */
export interface FlushPlan {
  requests: PlannedWriteRequest[];
  owners: Entry[][];
  /** Per entry: the values written (to raise the floor) and the timestamp. */
  written: Map<Entry, { values: Float64Array; ts: number }>;
  /** Entries of the pending deltas not written because a value would go below the floor. */
  held: Entry[];
  samples: number;
}

/** The outcome of one request of a plan. */
export type RequestOutcome = 'accepted' | 'unknown' | { rejected: string };

export interface CumulativeStateOptions extends CumulativeOptions {
  /** The writer label's value. @default 12 random hex digits */
  writerId?: string;
  /** The writer's clock. @default Date.now */
  now?: () => number;
}

export class CumulativeState {
  readonly writerId: string;
  /** label key → base name → entry. */
  private readonly byLabelKey = new Map<string, Map<string, Entry>>();
  private size = 0;
  /** The clock reading of the last sweep for room at the series limit. */
  private sweptAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  private readonly layout: ValueLayout;
  /** The tail of the flush queue: flushes of one container run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly translator: Translator,
    private readonly o: CumulativeStateOptions,
  ) {
    this.writerId = o.writerId ?? randomBytes(6).toString('hex');
    this.now = o.now ?? Date.now;
    this.layout = new ValueLayout(o.buckets);
  }

  /** Prometheus series kept (a histogram counts its buckets, `+Inf`, `_sum` and `_count`). */
  get seriesCount(): number {
    return this.size;
  }

  /** Adds the observations of `data` to `pending` (never to the state). */
  accumulate(pending: Pending, data: MetricData): void {
    const now = this.now();
    const drop = (reason: string) => void (pending.dropped[reason] = (pending.dropped[reason] ?? 0) + 1);
    this.translator.forEachLabelled(data, this.byLabelKey, pending.skipped, (d, f, ctx) => {
      const v = d.value;
      // A counter only goes up: a negative increment cannot be written (it would read as a reset).
      const inc = f.type === 'counter' ? convertValue(typeof v === 'number' ? v : isStatisticSet(v) ? v.sum : sumOf(v), f.mapping) : 0;
      if (inc < 0) return drop('prometheus_counter_negative');
      const entry = this.entryFor(f, ctx, now);
      if (typeof entry === 'string') return drop(entry);
      const delta = deltaOf(pending, entry, now);
      const dv = delta.values;
      delta.data++;
      const type = entry.type;
      if (type === 'counter') {
        dv[0]! += inc;
      } else if (type === 'gauge') {
        if (d.timestamp >= delta.gaugeTs) {
          dv[0] = convertValue(typeof v === 'number' ? v : isStatisticSet(v) ? v.max : v[v.length - 1]!, f.mapping);
          delta.gaugeTs = d.timestamp;
        }
      } else if (typeof v === 'number') {
        this.layout.observe(type, dv, convertValue(v, f.mapping));
      } else if (!isStatisticSet(v)) {
        for (const x of v) this.layout.observe(type, dv, convertValue(x, f.mapping));
      } else {
        const sumAt = this.layout.sumSlot(type);
        dv[sumAt]! += convertValue(v.sum, f.mapping);
        dv[sumAt + 1]! += v.count;
        if (type === 'histogram') this.layout.observeSet(dv, v, f.mapping);
      }
    });
  }

  /** The entry of `f` in `ctx`, made the first time; a reason string when it cannot be. */
  private entryFor(f: Family, ctx: LabelContext<Entry>, now: number): Entry | string {
    let e = ctx.series.get(f.base);
    if (e !== undefined) return e.type === f.type ? e : 'prometheus_type_conflict';
    const width = this.layout.slots(f.type);
    if (this.size + width > this.o.maxSeries) {
      // At most one sweep per chunk (`now` is the chunk's): a flood of new series must not cost a sweep each.
      // Label sets stay (the contexts of this chunk refer to them); only their series go.
      if (this.sweptAt !== now) this.expire(now, false);
      this.sweptAt = now;
      if (this.size + width > this.o.maxSeries) return 'prometheus_series_limit';
    }
    const labels: Label[] = [];
    for (let i = 0; i < ctx.plan.length; i++) if (ctx.values[i] !== '') labels.push({ name: ctx.plan[i]!.name, value: ctx.values[i]! });
    labels.push({ name: this.o.writerLabel, value: this.writerId });
    labels.sort((a, b) => compareStrings(a.name, b.name));
    e = {
      type: f.type,
      base: f.base,
      labels,
      values: new Float64Array(width),
      gaugeTs: Number.NEGATIVE_INFINITY,
      floor: new Float64Array(width),
      lastTs: Number.NEGATIVE_INFINITY,
      lastUpdate: now,
      lastWritten: Number.NEGATIVE_INFINITY,
      dirty: false,
    };
    ctx.series.set(f.base, e);
    this.size += width;
    return e;
  }

  /**
   * Forgets series without an observation for `idleExpiryMs` that hold nothing unwritten. The
   * expiry is at least Lambda's longest invocation (15 minutes, enforced by the config), so no
   * series is forgotten while an invocation still holds observations for it.
   */
  private expire(now: number, pruneLabelSets: boolean): void {
    for (const [key, byName] of this.byLabelKey) {
      for (const [name, e] of byName) {
        if (now - e.lastUpdate >= this.o.idleExpiryMs && !e.dirty) {
          byName.delete(name);
          this.size -= e.values.length;
        }
      }
      if (pruneLabelSets && byName.size === 0) this.byLabelKey.delete(key);
    }
  }

  /**
   * Runs `fn` when the flushes queued before it have finished: one flush of this container at a
   * time, so samples of one series are planned and sent in order.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * What to write now: every series of `pending` not settled yet, every dirty series, and every
   * series due for a heartbeat, at the writer clock's `now`.
   */
  plan(pending: Pending, limits: { maxSamplesPerRequest: number; maxRequestBytes: number }): FlushPlan {
    const now = this.now();
    this.expire(now, true);
    const todo: Entry[] = [];
    for (const e of pending.deltas.keys()) if (!pending.settled.has(e)) todo.push(e);
    for (const byName of this.byLabelKey.values()) {
      for (const e of byName.values()) {
        if (pending.deltas.has(e)) continue;
        if (e.dirty || now - e.lastWritten >= this.o.heartbeatMs) todo.push(e);
      }
    }
    const series: { labels: Label[]; samples: Sample[]; labelBytes: number }[] = [];
    const ownerOf = new Map<Label[], Entry>();
    const written = new Map<Entry, { values: Float64Array; ts: number }>();
    const held: Entry[] = [];
    let samples = 0;
    for (const e of todo) {
      const delta = pending.deltas.get(e);
      const values = proposedValues(e, delta);
      if (!this.layout.aboveFloor(e.type, values, e.floor)) {
        if (delta !== undefined) held.push(e);
        continue;
      }
      const ts = Math.max(now, e.lastTs + 1);
      const zero = e.type !== 'gauge' && e.lastTs === Number.NEGATIVE_INFINITY;
      for (const [name, value, le] of this.layout.series(e.type, e.base, values)) {
        const s: Sample[] = zero ? [{ value: 0, timestamp: ts - 1 }, { value, timestamp: ts }] : [{ value, timestamp: ts }];
        const labels = withName(e.labels, name, le);
        series.push({ labels, samples: s, labelBytes: labelsBytes(labels) });
        ownerOf.set(labels, e);
        samples += s.length;
      }
      written.set(e, { values, ts });
    }
    const requests = splitRequests(series, limits);
    const owners = requests.map((r) => [...new Set(r.request.timeseries.map((t) => ownerOf.get(t.labels)!))]);
    return { requests, owners, written, held, samples };
  }

  /**
   * Records what a plan's requests did. `accepted` and `unknown` (no definite answer) raise the
   * floors and timestamps of the series they carried; a series of `pending` is settled when all its
   * requests were accepted, or rejected when one was rejected.
   */
  settle(pending: Pending, plan: FlushPlan, outcomes: readonly (RequestOutcome | undefined)[]): { unsettled: number } {
    const state = new Map<Entry, 'accepted' | 'unknown' | { rejected: string }>();
    outcomes.forEach((o, i) => {
      for (const e of plan.owners[i]!) {
        const prev = state.get(e);
        // One answer per entry: a rejection outweighs an unknown, which outweighs an acceptance; unsent counts as unknown.
        const next = o ?? 'unknown';
        if (prev === undefined || prev === 'accepted' || (prev === 'unknown' && typeof next === 'object')) state.set(e, next);
      }
    });
    const now = this.now();
    for (const [e, s] of state) {
      const w = plan.written.get(e)!;
      if (s !== 'accepted' && typeof s !== 'object') {
        // No definite answer: the receiver may hold these values.
        raiseFloor(e, w.values);
        e.lastTs = Math.max(e.lastTs, w.ts);
        continue;
      }
      if (s === 'accepted') {
        raiseFloor(e, w.values);
        e.lastTs = Math.max(e.lastTs, w.ts);
        e.lastWritten = now;
        if (!pending.deltas.has(e)) e.dirty = false;
      }
      if (pending.deltas.has(e)) pending.settled.set(e, s);
    }
    for (const e of plan.held) pending.settled.set(e, 'held');
    let unsettled = 0;
    for (const e of pending.deltas.keys()) if (!pending.settled.has(e)) unsettled++;
    return { unsettled };
  }

  /**
   * Applies the deltas of a fully settled invocation: accepted and held series take their delta
   * (held ones stay dirty, to be written once above their floor); rejected ones drop it, and their
   * data are returned by reason.
   */
  commit(pending: Pending): Record<string, number> {
    const now = this.now();
    const dropped: Record<string, number> = { ...pending.dropped };
    for (const [e, delta] of pending.deltas) {
      const s = pending.settled.get(e);
      if (s === undefined) throw new Error('commit before every series was settled');
      if (typeof s === 'object') {
        dropped[s.rejected] = (dropped[s.rejected] ?? 0) + delta.data;
        continue;
      }
      applyDelta(e, delta);
      e.lastUpdate = now;
      e.dirty = s === 'held' || !this.layout.aboveFloor(e.type, e.values, e.floor) || e.values.some((v, i) => e.type !== 'gauge' && v > e.floor[i]!);
    }
    pending.deltas.clear();
    return dropped;
  }
}
