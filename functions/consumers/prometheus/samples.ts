/**
 * The per-series sample buffer of a translation and the merge rule (docs/prometheus.md#samples-mode-prom_rw_modesamples): samples
 * sorted by time, several observations of one millisecond folded into one sample, so a request
 * never carries two samples of a series with one timestamp (Prometheus would reject it).
 */
import type { MergeRule } from './config.ts';
import type { Label, Sample } from './writeRequest.ts';

export type Rule = Exclude<MergeRule, 'auto'>;

/** One series being built: parallel timestamp/value arrays (no object per observation until the end). */
export interface SeriesAcc {
  labels: Label[];
  ts: number[];
  vals: number[];
  rule: Rule;
  /** False once a timestamp arrived before the previous one (then a sort is needed). */
  ordered: boolean;
  /** Encoded size of the labels (see splitRequests.ts). */
  labelBytes: number;
  /** Data whose observations this series is the first (or only) series of: what dropping it loses. */
  data: number;
}

/** Sorts by time (stably, so "last" means last in input order) and merges equal timestamps by the series' rule. */
export function finishSamples(s: SeriesAcc): Sample[] {
  const n = s.ts.length;
  let order: number[] | undefined;
  if (!s.ordered) {
    order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => s.ts[a]! - s.ts[b]! || a - b);
  }
  const out: Sample[] = [];
  let i = 0;
  while (i < n) {
    const ia = order === undefined ? i : order[i]!;
    const t = s.ts[ia]!;
    let acc = s.vals[ia]!;
    let count = 1;
    i++;
    while (i < n) {
      const ib = order === undefined ? i : order[i]!;
      if (s.ts[ib] !== t) break;
      const x = s.vals[ib]!;
      switch (s.rule) {
        case 'last': acc = x; break;
        case 'sum': case 'mean': acc += x; break;
        case 'min': if (x < acc) acc = x; break;
        case 'max': if (x > acc) acc = x; break;
      }
      count++;
      i++;
    }
    out.push({ value: s.rule === 'mean' ? acc / count : acc, timestamp: t });
  }
  return out;
}

