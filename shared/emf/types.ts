import type { EmfUnit, StorageResolution } from './constants.ts';

/** `{Values, Counts, Sum, Min, Max, Count}` as written by AWS's OpenTelemetry EMF exporters (not in the public spec). */
export interface StatisticSet {
  Values?: number[];
  Counts?: number[];
  Sum: number;
  Min: number;
  Max: number;
  Count: number;
}

/** A metric member's value: a number, up to 100 numbers, or a statistic set. */
export type EmfMetricValue = number | number[] | StatisticSet;

export interface EmfMetricDefinition {
  Name: string;
  Unit?: EmfUnit;
  StorageResolution?: StorageResolution;
}

export interface EmfDirective {
  Namespace: string;
  /** Absent in some AWS OpenTelemetry exporter output; treated as `[[]]` (one empty set). */
  Dimensions?: string[][];
  Metrics: EmfMetricDefinition[];
}

export interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: EmfDirective[]; [k: string]: unknown };
  [member: string]: unknown;
}
