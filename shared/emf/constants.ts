/**
 * Limits and enumerations of the CloudWatch Embedded Metric Format.
 * Specification: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * (current text: 1 MB documents, 30 keys per dimension set, 1024-character names).
 */
export const EMF_LIMITS = {
  /** "Metrics MUST NOT contain more than 100 MetricDefinitions." */
  maxMetricsPerDirective: 100,
  /** "A DimensionSet MUST NOT contain more than 30 dimension keys." (was 9 before 2022) */
  maxDimensionsPerSet: 30,
  /** "numeric array targets MUST NOT have more than 100 members." */
  maxValuesPerMetric: 100,
  /**
   * Metrics one document may define: dimension sets × metric definitions, summed over its directives. The
   * specification sets no such limit (a 1 MB document can define 80,000 sets × 100 metrics: 8,000,000 data);
   * 1,000 is the most CloudWatch takes in one PutMetricData request ("no more than 1000 different metrics").
   */
  maxMetricsPerDocument: 1000,
  /** Same as a CloudWatch Logs event since April 2025 (was 256 KB). */
  maxDocumentBytes: 1_048_576,
  /** Namespace and metric name: schema maxLength 1024. */
  maxNameLength: 1024,
  /** DimensionReference: schema maxLength 250. */
  maxDimensionKeyLength: 250,
  /** "Dimension target member … MUST NOT exceed 1024 characters." */
  maxDimensionValueLength: 1024,
} as const;

/** The schema's Unit enumeration. `None` is the default when Unit is absent. */
export const EMF_UNITS = [
  'Seconds', 'Microseconds', 'Milliseconds',
  'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits',
  'Percent', 'Count',
  'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second',
  'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second',
  'Count/Second', 'None',
] as const;
export type EmfUnit = (typeof EMF_UNITS)[number];
export const EMF_UNIT_SET: ReadonlySet<string> = new Set(EMF_UNITS);

/** Whether `unit` is one of the schema's units. */
export function isEmfUnit(unit: string): unit is EmfUnit {
  return EMF_UNIT_SET.has(unit);
}

/** StorageResolution: 1 = high resolution (1 s), 60 = standard (the default). */
const STORAGE_RESOLUTIONS = [1, 60] as const;
export type StorageResolution = (typeof STORAGE_RESOLUTIONS)[number];
