/**
 * What a correct pipeline must make of fixture lines, computed from the fixtures' own expectations
 * (the producers' real output and the documented shapes), never from the code under test.
 */
import type { FixtureLine } from '../../fixtures/types.ts';
import { isStatisticSet, type MetricDatum } from '../../../shared/consumer/types.ts';

export interface ExpectedCounts {
  logEvents: number;
  emfDocuments: number;
  /** Plain lines plus the platform START/END lines, which carry no metric. */
  plainLines: number;
  /** REPORT and timeout lines. */
  platformLines: number;
  rejected: Record<string, number>;
}

export function expectedCounts(lines: readonly FixtureLine[]): ExpectedCounts {
  const c: ExpectedCounts = { logEvents: lines.length, emfDocuments: 0, plainLines: 0, platformLines: 0, rejected: {} };
  for (const l of lines) {
    const e = l.expect;
    if (e.kind === 'emf') c.emfDocuments++;
    else if (e.kind === 'plain') c.plainLines++;
    else if (e.kind === 'invalid') c.rejected[e.reason] = (c.rejected[e.reason] ?? 0) + 1;
    else if (e.event === 'start' || e.event === 'end') c.plainLines++;
    else c.platformLines++;
  }
  return c;
}

export type Doc = Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions?: string[][]; Metrics: { Name: string; Unit?: string }[] }[] } };

const dimsKey = (dims: Record<string, string>) => JSON.stringify(Object.entries(dims).sort(([a], [b]) => (a < b ? -1 : 1)));

function valueKey(raw: unknown): string {
  if (typeof raw === 'number') return JSON.stringify(raw);
  if (Array.isArray(raw)) return JSON.stringify(raw);
  const s = raw as { Sum: number; Min: number; Max: number; Count: number; Counts?: number[] };
  const count = Array.isArray(s.Counts) ? s.Counts.reduce((a, b) => a + b, 0) : s.Count;
  return JSON.stringify({ sum: s.Sum, count, min: s.Min, max: s.Max });
}

/** Every (document, directive, dimension set, metric) CloudWatch would publish from the fixtures' valid EMF. */
export function* fixtureMetrics(lines: readonly FixtureLine[]): Generator<{ doc: Doc; namespace: string; set: string[]; metric: { Name: string; Unit?: string } }> {
  for (const l of lines) {
    if (l.expect.kind !== 'emf') continue;
    const doc = JSON.parse(l.expect.emf) as Doc;
    for (const d of doc._aws.CloudWatchMetrics) {
      const sets = d.Dimensions === undefined || d.Dimensions.length === 0 ? [[]] : d.Dimensions;
      for (const set of sets) for (const metric of d.Metrics) yield { doc, namespace: d.Namespace, set, metric };
    }
  }
}

/** One key per datum CloudWatch would publish from the fixture's EMF documents (per dimension set), sorted. */
export function expectedEmfData(lines: readonly FixtureLine[]): string[] {
  const keys: string[] = [];
  for (const { doc, namespace, set, metric: m } of fixtureMetrics(lines)) {
    const dims = Object.fromEntries(set.map((k) => [k, doc[k] as string]));
    keys.push(`${namespace}|${m.Name}|${m.Unit ?? 'None'}|${dimsKey(dims)}|${valueKey(doc[m.Name])}`);
  }
  return keys.sort();
}

/** The same key for a delivered datum. */
export function datumKey(d: MetricDatum): string {
  const v = d.value;
  const value = isStatisticSet(v) ? JSON.stringify({ sum: v.sum, count: v.count, min: v.min, max: v.max }) : JSON.stringify(v);
  return `${d.namespace}|${d.name}|${d.unit}|${dimsKey({ ...d.dimensions })}|${value}`;
}
