/**
 * Metric data → remote-write requests. Pure and synchronous (the benchmark and the fuzz tests
 * call it directly). Label sets: labelContexts.ts; names: families.ts and naming.ts. Rules (docs/prometheus.md#samples-mode-prom_rw_modesamples):
 *
 * - number / array → one gauge series `<name>`; every element is an observation at the document's timestamp.
 * - statistic set  → `<name>_sum`, `<name>_count`, `<name>_min`, `<name>_max` (Values/Counts are not sent).
 * - several observations of one series at one millisecond → one sample, by the merge rule
 *   (`auto`: sum for unit Count, last value otherwise; `_sum`/`_count` add, `_min`/`_max` keep the extreme).
 * - labels sorted, samples of each series sorted by time, one sample per timestamp: a request is
 *   never rejected for its own duplicates or ordering.
 * - requests split at `maxSamplesPerRequest` samples / `maxRequestBytes` (protobuf, before snappy).
 */
import { isStatisticSet, type MetricData } from '../../../shared/consumer/types.ts';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from './config.ts';
import { createFamilies } from './families.ts';
import { createForEachLabelled, type ForEachLabelled, type LabelContext } from './labelContexts.ts';
import { compareStrings, convertValue } from './naming.ts';
import { finishSamples, type Rule, type SeriesAcc } from './samples.ts';
import { labelsBytes, splitRequests, type PlannedWriteRequest, type SeriesToSplit } from './splitRequests.ts';
import type { Label } from './writeRequest.ts';

export interface TranslateResult {
  requests: PlannedWriteRequest[];
  series: number;
  /** Samples in the requests (after merging). */
  samples: number;
  /** Observations folded into another sample of the same series and timestamp by the merge rule. */
  merged: number;
  /** Data not turned into samples, by reason (never silently). */
  skipped: Record<string, number>;
}

/** A translator keeps name caches between calls; create one per provider (container). */
export interface Translator {
  readonly options: TranslateOptions;
  translate(data: MetricData): TranslateResult;
  forEachLabelled: ForEachLabelled;
}

/**
 * @example
 * const t = createTranslator({ prefix: 'emf' });
 * const { requests, merged } = t.translate(data); // requests[i].request → encodeWriteRequest
 */
export function createTranslator(partial: Partial<TranslateOptions> = {}): Translator {
  const options: TranslateOptions = { ...DEFAULT_TRANSLATE_OPTIONS, ...partial };
  const forEachLabelled = createForEachLabelled(options, createFamilies(options));

  const translate = (data: MetricData): TranslateResult => {
    // label key → metric name → series: the label set is looked up once per dimension set, the name once per datum.
    const series = new Map<string, Map<string, SeriesAcc>>();
    const skipped: Record<string, number> = {};
    forEachLabelled(data, series, skipped, (d, f, ctx) => {
      const ts = Math.trunc(d.timestamp);
      const v = d.value;
      // Each datum is counted in its first series: a rejection of that series' request drops it.
      if (typeof v === 'number') {
        const s = seriesFor(f.names.value, ctx, f.valueRule);
        s.data++;
        push(s, ts, convertValue(v, f.mapping));
      } else if (!isStatisticSet(v)) {
        if (v.length === 0) {
          skipped.empty_values = (skipped.empty_values ?? 0) + 1;
          return;
        }
        const s = seriesFor(f.names.value, ctx, f.valueRule);
        s.data++;
        for (const x of v) push(s, ts, convertValue(x, f.mapping));
      } else {
        const sum = seriesFor(f.names.sum, ctx, 'sum');
        sum.data++;
        push(sum, ts, convertValue(v.sum, f.mapping));
        push(seriesFor(f.names.count, ctx, 'sum'), ts, v.count);
        push(seriesFor(f.names.min, ctx, 'min'), ts, convertValue(v.min, f.mapping));
        push(seriesFor(f.names.max, ctx, 'max'), ts, convertValue(v.max, f.mapping));
      }
    });

    let merged = 0;
    let total = 0;
    const finished: SeriesToSplit[] = [];
    for (const byName of series.values()) {
      for (const s of byName.values()) {
        const samples = finishSamples(s);
        merged += s.ts.length - samples.length;
        total += samples.length;
        finished.push({ labels: s.labels, samples, labelBytes: s.labelBytes, data: s.data });
      }
    }
    return { requests: splitRequests(finished, options), series: finished.length, samples: total, merged, skipped };
  };

  return { options, translate, forEachLabelled };
}

function seriesFor(name: string, ctx: LabelContext<SeriesAcc>, rule: Rule): SeriesAcc {
  let s = ctx.series.get(name);
  if (s === undefined) {
    const labels = buildLabels(name, ctx.plan, ctx.values);
    // Two EMF metrics can share a Prometheus name (Count and None units, namespaces differing in case): the first rule wins.
    s = { labels, ts: [], vals: [], rule, ordered: true, labelBytes: labelsBytes(labels), data: 0 };
    ctx.series.set(name, s);
  }
  return s;
}

function push(s: SeriesAcc, ts: number, value: number): void {
  const n = s.ts.length;
  if (n > 0 && ts < s.ts[n - 1]!) s.ordered = false;
  s.ts.push(ts);
  s.vals.push(value);
}

function buildLabels(name: string, plan: LabelContext<SeriesAcc>['plan'], values: string[]): Label[] {
  const labels: Label[] = [];
  let nameAdded = false;
  for (let i = 0; i < plan.length; i++) {
    const v = values[i]!;
    if (v === '') continue; // Prometheus rejects empty label values: an empty value means "no label".
    const ln = plan[i]!.name;
    if (!nameAdded && compareStrings('__name__', ln) < 0) {
      labels.push({ name: '__name__', value: name });
      nameAdded = true;
    }
    labels.push({ name: ln, value: v });
  }
  if (!nameAdded) labels.push({ name: '__name__', value: name });
  return labels;
}

const translators = new WeakMap<object, Translator>();

/**
 * Pure translation with the given options (defaults for the rest). Reuses a cached translator
 * per options object, so calling it in a loop with the same options keeps the name caches warm.
 */
export function toWriteRequests(data: MetricData, options: Partial<TranslateOptions> = DEFAULT_TRANSLATE_OPTIONS): TranslateResult {
  let t = translators.get(options);
  if (t === undefined) {
    t = createTranslator(options);
    translators.set(options, t);
  }
  return t.translate(data);
}
