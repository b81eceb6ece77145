/**
 * How the cumulative mode holds each type's values in a `Float64Array` (committed values, floors and
 * pending deltas share the layout), how observations go into them, and which Prometheus series they
 * are written as. One slot per Prometheus series, `n` = number of finite bucket bounds:
 * - counter: `[total]` → `<base>_total`
 * - gauge: `[value]` → `<base>`
 * - summary: `[sum, count]` → `<base>_sum`, `<base>_count`
 * - histogram: `[bucket_0 … bucket_n (the +Inf-only bucket), sum, count]`, buckets not cumulated →
 *   `<base>_bucket{le}` (cumulated), `<base>_sum`, `<base>_count`.
 */
import type { StatisticSet } from '../../../shared/consumer/types.ts';
import type { PromType } from './config.ts';
import { convertValue, type UnitMapping } from './naming.ts';

/** Prometheus's name for an upper bound (`+Inf`, else the shortest decimal). */
function leText(bound: number): string {
  return bound === Number.POSITIVE_INFINITY ? '+Inf' : String(bound);
}

export class ValueLayout {
  private readonly leTexts: readonly string[];

  /** @param bounds finite histogram upper bounds, ascending (`+Inf` is added). */
  constructor(private readonly bounds: readonly number[]) {
    this.leTexts = [...bounds, Number.POSITIVE_INFINITY].map(leText);
  }

  /** Slots of `type`: also the Prometheus series it writes, which `PROM_RW_MAX_SERIES` counts. */
  slots(type: PromType): number {
    return type === 'histogram' ? this.bounds.length + 3 : type === 'summary' ? 2 : 1;
  }

  /** The slot of a summary's or histogram's sum (its count is the next). */
  sumSlot(type: 'summary' | 'histogram'): number {
    return type === 'histogram' ? this.bounds.length + 1 : 0;
  }

  /** One observation `x` into a summary's or histogram's values. */
  observe(type: 'summary' | 'histogram', dv: Float64Array, x: number): void {
    if (type === 'histogram') dv[this.bucketOf(x)]! += 1;
    const s = this.sumSlot(type);
    dv[s]! += x;
    dv[s + 1]! += 1;
  }

  /**
   * A statistic set's observations into histogram buckets (its Sum and Count are added by the caller,
   * as they are). With `Values`/`Counts`, each value with its count. Without, Min once, Max once and
   * the rest at their mean, which keeps the set's count, sum, min and max (the StatsD provider's rule).
   */
  observeSet(dv: Float64Array, v: StatisticSet, mapping: UnitMapping): void {
    const at = (x: number) => this.bucketOf(convertValue(x, mapping));
    if (v.values !== undefined && v.counts !== undefined) {
      for (let i = 0; i < v.values.length; i++) dv[at(v.values[i]!)]! += v.counts[i]!;
      return;
    }
    if (v.count <= 0) return;
    if (v.count < 2) {
      dv[at(v.sum / v.count)]! += v.count;
      return;
    }
    dv[at(v.min)]! += 1;
    dv[at(v.max)]! += 1;
    const rest = v.count - 2;
    if (rest > 0) dv[at((v.sum - v.min - v.max) / rest)]! += rest;
  }

  /** Index of the first bucket whose upper bound is ≥ x (the +Inf-only bucket is `bounds.length`). */
  private bucketOf(x: number): number {
    const b = this.bounds;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x <= b[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * Whether no slot that only goes up (a counter, a bucket, a count; not a gauge, not a sum, which
   * negative observations lower) is below `floor`.
   */
  aboveFloor(type: PromType, values: Float64Array, floor: Float64Array): boolean {
    if (type === 'gauge') return true;
    const sum = type === 'counter' ? -1 : this.sumSlot(type);
    for (let i = 0; i < values.length; i++) if (i !== sum && values[i]! < floor[i]!) return false;
    return true;
  }

  /** `[name, value, le?]` of every Prometheus series of a `type` series named `base` holding `values`. */
  *series(type: PromType, base: string, values: Float64Array): Generator<[string, number, string?]> {
    switch (type) {
      case 'counter':
        yield [base.endsWith('_total') ? base : `${base}_total`, values[0]!];
        return;
      case 'gauge':
        yield [base, values[0]!];
        return;
      case 'summary':
        yield [`${base}_sum`, values[0]!];
        yield [`${base}_count`, values[1]!];
        return;
      case 'histogram': {
        const n = this.bounds.length;
        let cumulative = 0;
        for (let i = 0; i <= n; i++) {
          cumulative += values[i]!;
          yield [`${base}_bucket`, cumulative, this.leTexts[i]!];
        }
        yield [`${base}_sum`, values[n + 1]!];
        yield [`${base}_count`, values[n + 2]!];
      }
    }
  }
}
