/**
 * The data of `PROM_RW_MODE=cumulative` (CumulativeState.ts): one series of this writer (`Entry`), the deltas
 * an invocation has accumulated for its series and not yet committed (`Pending`), and the arithmetic between the
 * two: the values a flush proposes, a committed delta, the floor a written value raises, a series' labels.
 */
import type { PromType } from './config.ts';
import { compareStrings } from './naming.ts';
import type { Label } from './writeRequest.ts';

/** One cumulative series of this writer: an EMF metric (by Prometheus base name) in one label set. */
export interface Entry {
  readonly type: PromType;
  /** `[prefix_][namespace_]metric[_unit]`. */
  readonly base: string;
  /** The label set without `__name__` (and without `le`), writer label included, sorted. */
  readonly labels: readonly Label[];
  /** Committed values, laid out as `ValueLayout` says (ValueLayout.ts). */
  readonly values: Float64Array;
  /** Gauge only: the EMF timestamp of the committed value (a later observation replaces it). */
  gaugeTs: number;
  /** Highest value of each slot that may be in the receiver (never written below, for monotone slots). */
  readonly floor: Float64Array;
  /** Writer clock of the newest sample sent for this series; -Infinity before the first. */
  lastTs: number;
  /** Writer clock of the last observation accumulated or committed (expiry is counted from it). */
  lastUpdate: number;
  /** Writer clock of the last accepted write. */
  lastWritten: number;
  /** The committed values have not been written yet (held back, or a write of them failed). */
  dirty: boolean;
}

/** What one invocation has accumulated and not yet committed. */
export interface Pending {
  deltas: Map<Entry, Delta>;
  /** Data dropped before reaching a delta, by reason. */
  dropped: Record<string, number>;
  /** Data skipped by design (union-mode copies), by reason: logged, not dropped. */
  skipped: Record<string, number>;
  /** Entries already settled by an earlier flush attempt of this invocation. */
  settled: Map<Entry, 'accepted' | 'held' | { rejected: string }>;
}

export interface Delta {
  values: Float64Array;
  /** Gauge: EMF timestamp of `values[0]`; -Infinity when the delta holds no gauge value. */
  gaugeTs: number;
  /** Data that contributed (counted as dropped if the series is rejected). */
  data: number;
}

export function newPending(): Pending {
  return { deltas: new Map(), dropped: {}, skipped: {}, settled: new Map() };
}

/** Committed values plus the pending delta (a gauge takes the delta's value when it is newer). */
export function proposedValues(e: Entry, delta: Delta | undefined): Float64Array {
  const out = new Float64Array(e.values);
  if (delta === undefined) return out;
  if (e.type === 'gauge') {
    if (delta.gaugeTs >= e.gaugeTs) out[0] = delta.values[0]!;
  } else {
    for (let i = 0; i < out.length; i++) out[i]! += delta.values[i]!;
  }
  return out;
}

/** Commits `delta` to the series' values (a gauge takes the delta's value when it is newer). */
export function applyDelta(e: Entry, delta: Delta): void {
  if (e.type === 'gauge') {
    if (delta.gaugeTs >= e.gaugeTs) {
      e.values[0] = delta.values[0]!;
      e.gaugeTs = delta.gaugeTs;
    }
  } else {
    for (let i = 0; i < e.values.length; i++) e.values[i]! += delta.values[i]!;
  }
}

/** The pending delta of `e`, made (and `e` marked as updated at `now`) the first time. */
export function deltaOf(pending: Pending, e: Entry, now: number): Delta {
  let d = pending.deltas.get(e);
  if (d === undefined) {
    e.lastUpdate = now;
    d = { values: new Float64Array(e.values.length), gaugeTs: Number.NEGATIVE_INFINITY, data: 0 };
    pending.deltas.set(e, d);
  }
  return d;
}

/** Raises the floor of each slot to the value that may have reached the receiver. */
export function raiseFloor(e: Entry, values: Float64Array): void {
  for (let i = 0; i < values.length; i++) if (values[i]! > e.floor[i]!) e.floor[i] = values[i]!;
}

/** The sum of an array of values. */
export function sumOf(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return s;
}

/** The series' labels with `__name__` (and `le`) in their sorted places. */
export function withName(labels: readonly Label[], name: string, le?: string): Label[] {
  const out: Label[] = [...labels, { name: '__name__', value: name }];
  if (le !== undefined) out.push({ name: 'le', value: le });
  return out.sort((a, b) => compareStrings(a.name, b.name));
}
