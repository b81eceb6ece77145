/**
 * The per-invocation summary of a consumer: logged as one `consumer batch` line and handed to
 * `onSummary` (for `npm start`, tests and custom metrics).
 */
import type { LagDistribution } from './DocumentLedger.ts';
import { DROP_REASONS } from './reasons.ts';

/** Where Lambda will resume: the first record not fully delivered, and what it will redeliver. */
interface Redelivery {
  /** Returned as the only `batchItemFailures[].itemIdentifier`. */
  sequenceNumber: string;
  /** Records from that one to the end of the batch. */
  records: number;
  /** Data those records produced in this invocation (some may already have been delivered: duplicates). */
  data: number;
  /** The last retryable error. */
  error: string;
  /** Why retrying stopped: the next attempt would not have finished before the deadline, or the retry budget ran out. */
  stoppedBy: 'deadline' | 'retries';
}

export interface ConsumerSummary {
  provider: string;
  /** Records in the event. */
  records: number;
  /** Records that could not be decoded (each also counted under a `record_*` reason in `dropped`). */
  recordsUndecodable: number;
  /** EMF documents in the decodable records (those passed over as `duplicates` included). */
  documents: number;
  /** Data built from the documents for delivery (the data of `duplicates` not included). */
  data: number;
  /**
   * What this container had delivered before (or found twice in this batch) and did not deliver again
   * (docs/architecture.md#de-duplication): documents passed over whole, and all data passed over (theirs,
   * and the first data of documents delivered in part before). Neither delivered nor dropped.
   */
  duplicates: { documents: number; data: number };
  /**
   * Delivery time minus log event time of each document delivered in full in this invocation. Handed to
   * `onSummary` whole; the logged line has only `{documents, minMs, maxMs}`.
   */
  lag: LagDistribution;
  /** Data the provider confirmed in this invocation (after `flush`, for providers that have one). */
  delivered: number;
  /**
   * Counts by reason. The unit is the reason's (see `DROP_REASONS`): `record_*` count records,
   * `document_*` documents, `directive_invalid` directives, `dimension_set_invalid` sets,
   * `metric_*` data; any other key is a provider's `failure` reason and counts data.
   */
  dropped: Record<string, number>;
  /** Data lost: `metric_*` drops plus provider failures. */
  dataDropped: number;
  /** Data changed on the way (e.g. `dimension_value_invalid`), by reason. */
  warnings: Record<string, number>;
  /** Provider calls (`send` and `flush`), retries included. */
  calls: number;
  /** Calls that repeated an earlier retryable one. */
  retries: number;
  /** The first message of each reason in `dropped` and `warnings`. */
  examples: Record<string, string>;
  /** Present when the handler returned a batch item failure. */
  redelivery?: Redelivery;
}

/** Data-unit total of a `dropped` map: our `metric_*` reasons and every provider reason. */
export function dataDroppedOf(dropped: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const [reason, count] of Object.entries(dropped)) {
    const unit = (DROP_REASONS as Record<string, string>)[reason];
    if (unit === undefined || unit === 'datum') n += count;
  }
  return n;
}
