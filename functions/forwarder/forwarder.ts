/**
 * The forwarder: CloudWatch Logs subscription event → validated EMF (and Lambda platform metrics)
 * → packed records on Kinesis. Every log event is accounted for in one structured summary line per
 * invocation ("forwarder batch"): forwarded, plain, or rejected by reason with one example each.
 *
 * Failure policy (CloudWatch Logs invokes the forwarder asynchronously):
 * - a payload that cannot be decoded, or records Kinesis would not take before the deadline → the
 *   handler throws, so Lambda's asynchronous retries and then the on-failure destination keep the
 *   whole event for replay. Nothing is dropped silently.
 * - an invalid EMF document, or one too large for any record → counted and reported, not retried
 *   (it would never succeed).
 *
 * Pipeline metrics (`PIPELINE_METRICS`, docs/monitoring.md#what-is-published): one EMF document per
 * invocation, printed to `metricsSink`, also when the Kinesis write fails (see `failWrite`).
 */
import type { Context } from 'aws-lambda';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { decodeSubscriptionEvent } from '../../shared/cloudwatch/subscription.ts';
import { DecodeError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log/logger.ts';
import { publishForwarderMetrics, type MetricsSink } from '../../shared/pipeline/PipelineMetricsPublisher.ts';
import { isExcluded, type ForwarderConfig } from './config.ts';
import { extractDocuments } from './extract.ts';
import { packDocuments } from './pack.ts';
import { KinesisWriteError, writeRecords } from './writeRecords.ts';

export interface ForwarderSummary {
  logGroup: string;
  logStream: string;
  logEvents: number;
  emfDocuments: number;
  platformDocuments: number;
  platformLines: number;
  plainLines: number;
  forwardedDocuments: number;
  records: number;
  putRecordsCalls: number;
  retriedEntries: number;
  /** Control messages and events of the pipeline's own log groups (loop guard). */
  skipped: Record<string, number>;
  rejected: Record<string, number>;
  examples: Record<string, string>;
}

export interface ForwarderDeps {
  config: ForwarderConfig;
  kinesis: KinesisClient;
  logger: Logger;
  /** Called with every invocation's summary (used by `npm start` and tests). */
  onSummary?: (summary: ForwarderSummary) => void;
  /** Backoff base for Kinesis retries (tests shorten it). */
  retryMinTimeoutMs?: number;
  /**
   * Where the pipeline metrics document of each invocation is printed when `config.pipelineMetrics` is on:
   * `stdoutSink` in Lambda (handler.ts); a collector in `npm start`. Without a sink nothing is printed.
   */
  metricsSink?: MetricsSink;
}

type Remaining = Pick<Context, 'getRemainingTimeInMillis'>;

export function createForwarderHandler(deps: ForwarderDeps) {
  const { config, kinesis, logger } = deps;
  return async function handler(event: unknown, context: Remaining): Promise<ForwarderSummary> {
    let payload;
    try {
      payload = decodeSubscriptionEvent(event, config.maxDecompressedBytes);
    } catch (err) {
      if (err instanceof DecodeError) {
        logger.error('forwarder rejected the event: it cannot be decoded; Lambda will retry it and then send it to the on-failure destination', { reason: err.reason, error: err.message });
      }
      throw err;
    }
    const summary: ForwarderSummary = {
      logGroup: payload.logGroup, logStream: payload.logStream, logEvents: payload.logEvents.length,
      emfDocuments: 0, platformDocuments: 0, platformLines: 0, plainLines: 0, forwardedDocuments: 0, records: 0,
      putRecordsCalls: 0, retriedEntries: 0, skipped: {}, rejected: {}, examples: {},
    };
    const publish = () => {
      if (config.pipelineMetrics && deps.metricsSink) publishForwarderMetrics(summary, { functionName: config.functionName, sink: deps.metricsSink });
    };
    const finish = (): ForwarderSummary => {
      logger.info('forwarder batch', { ...summary });
      deps.onSummary?.(summary);
      publish();
      return summary;
    };
    /**
     * The write failed and the handler throws, so Lambda retries the whole event. What this invocation did
     * is still published: the records Kinesis took are in the stream (and are counted again by the retry,
     * which writes them again: delivery is at least once), and an invocation that published nothing would
     * hide exactly the invocations worth seeing (throttling, a deadline).
     */
    const failWrite = (err: unknown, records: number, documents: number): never => {
      if (err instanceof KinesisWriteError) {
        summary.records = records - err.failedRecords;
        summary.forwardedDocuments = documents - err.failedDocuments;
        summary.retriedEntries = err.retriedEntries;
      }
      logger.error('forwarder could not write to Kinesis; throwing so Lambda retries the event and then parks it in the on-failure destination', { error: (err as Error).message, ...summary });
      publish();
      throw err;
    };

    if (payload.messageType === 'CONTROL_MESSAGE') {
      summary.skipped.control_message = payload.logEvents.length;
      return finish();
    }
    if (isExcluded(payload.logGroup, config.excludeLogGroups)) {
      summary.skipped.loop_guard = payload.logEvents.length;
      logger.warn('forwarder skipped events of its own pipeline (loop guard): remove this log group from the subscription', { logGroup: payload.logGroup });
      return finish();
    }

    const extraction = extractDocuments(payload.logGroup, payload.logEvents, config);
    Object.assign(summary, {
      emfDocuments: extraction.emfDocuments,
      platformDocuments: extraction.platformDocuments,
      platformLines: extraction.platformLines,
      plainLines: extraction.plainLines,
    });
    const rejected = extraction.rejected;
    const ctx = { owner: payload.owner, region: config.region, logGroup: payload.logGroup, logStream: payload.logStream };
    const packed = packDocuments(ctx, extraction.documents, {
      compression: config.compression,
      targetBytes: config.recordTargetBytes,
      maxRecordBytes: config.maxRecordBytes,
    });
    for (const doc of packed.oversized) {
      rejected.add('record_too_large', `document of event ${doc.id} (${Buffer.byteLength(String(doc.emf))} bytes) does not fit one Kinesis record of ${config.maxRecordBytes} bytes`);
    }
    summary.rejected = rejected.counts;
    summary.examples = rejected.examples;

    if (packed.records.length > 0) {
      const written = await writeRecords(kinesis, packed.records, {
        streamName: config.streamName,
        remainingMs: () => context.getRemainingTimeInMillis(),
        deadlineMarginMs: config.deadlineMarginMs,
        retryAttempts: config.retryAttempts,
        logger,
        ...(deps.retryMinTimeoutMs !== undefined && { minTimeoutMs: deps.retryMinTimeoutMs }),
      }).catch((err: unknown) => failWrite(err, packed.records.length, packed.records.reduce((n, r) => n + r.documents, 0)));
      summary.records = written.records;
      summary.putRecordsCalls = written.calls;
      summary.retriedEntries = written.retriedEntries;
      summary.forwardedDocuments = packed.records.reduce((n, r) => n + r.documents, 0);
    }
    return finish();
  };
}
