/**
 * The reasons the consumer counts, with the unit each one counts. They are the keys of
 * `ConsumerSummary.dropped` / `.warnings` and of the `consumer batch` log line, so they are
 * stable names that dashboards and alarms can rely on.
 */
import type { Tally } from '../tally.ts';
import type { DatumSource } from './types.ts';

/**
 * Input the consumer could not turn into data. Each is counted once per unit it names.
 * Provider `failure` results are counted in the same map under the provider's own reason.
 */
export const DROP_REASONS = {
  /** `kinesis.data` is not base64. Unit: record. */
  record_base64_invalid: 'record',
  /** Gzip magic bytes but the stream does not inflate. Unit: record. */
  record_gzip_invalid: 'record',
  /** The brotli marker (`00 62 72 6f`) but the stream does not decompress. Unit: record. */
  record_brotli_invalid: 'record',
  /** Not JSON after optional decompression. Unit: record. */
  record_json_invalid: 'record',
  /** JSON with a `v` this consumer does not read. Unit: record. */
  record_version_unsupported: 'record',
  /** JSON but not the record format (missing context fields, malformed `documents`). Unit: record. */
  record_shape_invalid: 'record',
  /** Larger, or decompresses to more, than the configured maximum. Unit: record. */
  record_too_large: 'record',
  /** Decoding the record failed in a way none of the reasons above names (a defect, reported with its error). Unit: record. */
  record_unreadable: 'record',
  /** Reading a document failed in a way no other reason names (a defect, reported with its error); its neighbours are delivered. Unit: document. */
  document_unreadable: 'document',
  /** Not an object, or no usable `_aws.CloudWatchMetrics` array. Unit: document. */
  document_shape_invalid: 'document',
  /** Defines more than 1,000 metrics (dimension sets × metric definitions; `EMF_LIMITS.maxMetricsPerDocument`). Unit: document. */
  document_too_many_metrics: 'document',
  /** A directive without a string Namespace or a Metrics array, or with a Dimensions value that is not an array. Unit: directive. */
  directive_invalid: 'directive',
  /** A dimension set that is not an array of non-empty strings. Unit: dimension set. */
  dimension_set_invalid: 'dimension set',
  /** A metric definition without a non-empty string `Name`. Unit: datum (one per dimension set). */
  metric_definition_invalid: 'datum',
  /** The member a metric definition names is absent from the document. Unit: datum. */
  metric_value_missing: 'datum',
  /** The member is not a finite number, a non-empty array of them, or a statistic set. Unit: datum. */
  metric_value_invalid: 'datum',
} as const;
export type DropReason = keyof typeof DROP_REASONS;

/** Problems that do not lose the datum but change it; counted per datum (per document for the timestamp). */
const WARNING_REASONS = {
  /** A dimension value of the set is not a non-empty string: the datum is delivered without dimensions, as CloudWatch does. */
  dimension_value_invalid: 'datum',
  /** `Unit` is not one of the EMF units: delivered with unit `None`. */
  metric_unit_invalid: 'datum',
  /** `StorageResolution` is neither 1 nor 60: delivered with 60. */
  metric_storage_resolution_invalid: 'datum',
  /** In a document of origin `cloudwatch`, `Type` is not `count`, `gauge` or `distribution`: delivered without one (the unit decides). */
  metric_type_invalid: 'datum',
  /** `_aws.Timestamp` is not a finite number: the log event's timestamp is used. Unit: document. */
  document_timestamp_invalid: 'document',
} as const;
export type WarningReason = keyof typeof WARNING_REASONS;

/** Where a document's problems are counted: `dropped` for lost input, `warnings` for data changed on the way. */
export interface DecodeIssues {
  dropped: Tally;
  warnings: Tally;
}

/** Counts `n` of `reason`, with `message` and the document's place as the example. Reporting is the rare path: the context string is built only then. */
export function reportIssue(tally: Tally, source: DatumSource, reason: DropReason | WarningReason, message: string, n = 1): void {
  tally.add(reason, `${message} (logGroup=${source.logGroup} eventId=${source.eventId})`, n);
}
