/**
 * The names of the pipeline's own metrics (docs/monitoring.md): one EMF document per invocation of the
 * forwarder and of each consumer, printed into the function's own log group, which CloudWatch turns into
 * metrics natively. The dashboard and alarms of the stack (infra/serverless) read the same constants, so a
 * name cannot drift between what the functions publish and what the stack watches.
 *
 * Low cardinality: one dimension, `FunctionName` (the Lambda function's name, as in `AWS/Lambda`). A count by
 * reason is a metric of its own, `<total>.<reason>` (e.g. `DocumentsRejected.dimension_missing`): the reasons
 * are this project's fixed names, never text from a document, and one document per invocation holds them all.
 */
export const PIPELINE_NAMESPACE = 'EmfFanout/Pipeline';
export const PIPELINE_DIMENSION = 'FunctionName';

/** The forwarder's metrics (unit Count). */
export const FORWARDER_METRICS = {
  /** Log events in the subscription payload. */
  logEvents: 'LogEvents',
  /** EMF documents found. */
  emfDocuments: 'EmfDocuments',
  /** Documents built from Lambda platform lines (REPORT, timeouts). */
  platformDocuments: 'PlatformDocuments',
  /** Documents written to Kinesis. */
  documentsForwarded: 'DocumentsForwarded',
  /** Documents (or lines that looked like one) rejected, all reasons; `DocumentsRejected.<reason>` per reason. */
  documentsRejected: 'DocumentsRejected',
  /** Events not read: control messages and the pipeline's own log groups (loop guard). */
  eventsSkipped: 'EventsSkipped',
  /** Kinesis records written. */
  records: 'Records',
  /** PutRecords entries that failed and were retried (throttling, internal errors). */
  kinesisRetries: 'KinesisRetries',
} as const;

/** A consumer's metrics (unit Count, but `Lag`: Milliseconds). */
export const CONSUMER_METRICS = {
  /** Kinesis records in the invocation's event. */
  records: 'Records',
  /** Documents the records carried. */
  documents: 'Documents',
  /** Data (one per metric, dimension set and value) built from the documents. */
  data: 'Data',
  /** Data the provider confirmed. */
  dataDelivered: 'DataDelivered',
  /**
   * Data lost, all reasons (our `metric_*` reasons and the provider's failures). `DataDropped.<reason>` counts every
   * reason of the consumer's `dropped` map, each in its own unit (a `record_*` reason counts records).
   */
  dataDropped: 'DataDropped',
  /** Records handed back to Lambda for redelivery (a batch item failure). */
  recordsRedelivered: 'RecordsRedelivered',
  /** Documents already delivered by this container, not delivered again (de-duplication). */
  duplicateDocuments: 'DuplicateDocuments',
  /** Provider calls (send and flush), retries included. */
  providerCalls: 'ProviderCalls',
  /** Provider calls that repeated a retryable one. */
  providerRetries: 'ProviderRetries',
  /** Delivery time minus log event time, per delivered document (a distribution). */
  lag: 'Lag',
} as const;

/** The metrics scraper's metrics (unit Count), one document per run. */
export const SCRAPER_METRICS = {
  /** Metrics read (after the cap). */
  metrics: 'MetricsRead',
  /** Metrics found but not read, all reasons (`over_cap`, …); `MetricsSkipped.<reason>` per reason. */
  metricsSkipped: 'MetricsSkipped',
  /** GetMetricData queries sent, pages included: the "metrics requested" CloudWatch bills. */
  queries: 'MetricsRequested',
  /** GetMetricData calls, and ListMetrics / ListTagsForResource calls of discovery. */
  calls: 'GetMetricDataCalls',
  listCalls: 'ListCalls',
  /** Throttled calls retried. */
  retries: 'CloudWatchRetries',
  /** Queries CloudWatch answered Forbidden or InternalError; `QueriesFailed.<status>`. */
  queriesFailed: 'QueriesFailed',
  /** Documents written to Kinesis (one per metric and period). */
  documentsWritten: 'DocumentsForwarded',
  /** Kinesis records written. */
  records: 'Records',
  /** PutRecords entries that failed and were retried. */
  kinesisRetries: 'KinesisRetries',
} as const;

/** The per-reason metric: `<total>.<reason>`. */
export const byReason = (total: string, reason: string): string => `${total}.${reason}`;
