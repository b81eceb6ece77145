/** The consumer side's public API: what a provider author imports. Test utilities live in `./testing/`. */
export { createConsumerHandler, type ConsumerHandler, type ConsumerHandlerOptions } from './createConsumerHandler.ts';
export { loadConsumerConfig, defaultSafetyMarginMs, type ConsumerConfig } from './config.ts';
export { decodeKinesisRecord, type DecodedRecord } from './decode.ts';
export { emfToData, type DecodeIssues } from './emfToData.ts';
export { toMetricValue, type MetricValueResult } from './metricValue.ts';
export { parseRetryAfter, resultFromHttpStatus, resultFromNetworkError, MAX_ERROR_BODY_CHARS } from './http.ts';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
export { DROP_REASONS, WARNING_REASONS, type DropReason, type WarningReason } from './reasons.ts';
export type { ConsumerSummary, Redelivery } from './summary.ts';
export type { MetricDatum, MetricValue, DatumSource, Provider, SendContext, SendResult } from './types.ts';
