/**
 * What the scraper reads: metrics by namespace, name and dimensions, each with the type its meaning needs and
 * the unit its documents carry (CloudWatch's API gives neither). The type decides the statistics asked for, and
 * so the bill (each statistic of each metric is one "metric requested"):
 *
 * | type | statistics asked | the document's value |
 * |---|---|---|
 * | `count` | Sum | the period's Sum |
 * | `gauge` | Maximum | the period's Maximum |
 * | `distribution` | Sum, Minimum, Maximum, SampleCount | the statistic set `{Sum, Min, Max, Count}` |
 */
import type { DeclaredType } from '../../shared/consumer/metricKind.ts';
import type { EmfUnit } from '../../shared/emf/constants.ts';

/** The type a scraped metric declares in its documents (docs/architecture.md#declared-types). */
export type ScrapeType = DeclaredType;
export const SCRAPE_TYPES: readonly ScrapeType[] = ['count', 'gauge', 'distribution'];

/** GetMetricData statistics per type, in query order. */
export const STATISTICS: Readonly<Record<ScrapeType, readonly Statistic[]>> = Object.freeze({
  count: ['Sum'],
  gauge: ['Maximum'],
  distribution: ['Sum', 'Minimum', 'Maximum', 'SampleCount'],
});
export type Statistic = 'Sum' | 'Minimum' | 'Maximum' | 'SampleCount';

/** One CloudWatch metric to read. */
export interface MetricSpec {
  namespace: string;
  name: string;
  /** Name and value, sorted by name (CloudWatch's identity of a metric ignores their order). */
  dimensions: readonly (readonly [string, string])[];
  type: ScrapeType;
  unit: EmfUnit;
}

/** A stable text of a spec's identity (namespace, name, dimensions): sorting by it makes caps cut the same metrics every run. */
export function specKey(s: Pick<MetricSpec, 'namespace' | 'name' | 'dimensions'>): string {
  return JSON.stringify([s.namespace, s.name, s.dimensions]);
}
