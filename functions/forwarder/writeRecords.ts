/**
 * Writes packed records with PutRecords within Kinesis' limits (≤ 500 records and ≤ 5 MiB per call),
 * retrying only the entries that failed, with exponential backoff and jitter (p-retry), and never
 * past the Lambda deadline. Unknown per-entry error codes are retried.
 */
import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import pRetry, { AbortError } from 'p-retry';
import { EmfFanoutError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { PackedRecord } from './pack.ts';

export const PUT_RECORDS_MAX_ENTRIES = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

/** Request-level errors that no retry can fix. Everything else (throttling, 5xx, network) is retried. */
const PERMANENT_ERRORS = new Set([
  'ResourceNotFoundException', 'AccessDeniedException', 'ValidationException', 'InvalidArgumentException',
  'KMSAccessDeniedException', 'KMSDisabledException', 'KMSNotFoundException', 'KMSInvalidStateException', 'KMSOptInRequired',
  'UnrecognizedClientException', 'InvalidSignatureException',
]);

export class KinesisWriteError extends EmfFanoutError {
  override readonly name = 'KinesisWriteError';
  constructor(
    message: string,
    readonly failedRecords: number,
    readonly failedDocuments: number,
    /** PutRecords entries retried before giving up (as `WriteResult.retriedEntries`). */
    readonly retriedEntries: number,
    options?: { cause?: unknown },
  ) {
    super(message, 'kinesis_write_failed', options);
  }
}

export interface WriteOptions {
  streamName: string;
  /** Milliseconds left before the Lambda deadline (`context.getRemainingTimeInMillis`). */
  remainingMs: () => number;
  deadlineMarginMs: number;
  retryAttempts: number;
  logger: Logger;
  /** Backoff base; tests shorten it. */
  minTimeoutMs?: number;
}

export interface WriteResult {
  records: number;
  calls: number;
  retriedEntries: number;
}

/** Splits records into PutRecords calls: ≤ 500 entries and ≤ 5 MiB (data + partition keys) each. */
export function planCalls(records: readonly PackedRecord[]): PackedRecord[][] {
  const calls: PackedRecord[][] = [];
  let current: PackedRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = r.data.length + Buffer.byteLength(r.partitionKey, 'utf8');
    if (current.length > 0 && (current.length === PUT_RECORDS_MAX_ENTRIES || bytes + size > PUT_RECORDS_MAX_BYTES)) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

export async function writeRecords(client: KinesisClient, records: readonly PackedRecord[], opts: WriteOptions): Promise<WriteResult> {
  const result: WriteResult = { records: 0, calls: 0, retriedEntries: 0 };
  const calls = planCalls(records);
  for (let c = 0; c < calls.length; c++) {
    let pending = calls[c]!;
    const budget = opts.remainingMs() - opts.deadlineMarginMs;
    const signal = AbortSignal.timeout(Math.max(1, budget));
    try {
      await pRetry(
        async () => {
          const entries: PutRecordsRequestEntry[] = pending.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey }));
          result.calls++;
          let response;
          try {
            response = await client.send(new PutRecordsCommand({ StreamName: opts.streamName, Records: entries }), { abortSignal: signal });
          } catch (err) {
            const name = (err as Error).name;
            if (PERMANENT_ERRORS.has(name)) throw new AbortError(err as Error);
            throw err;
          }
          const failed: PackedRecord[] = [];
          const codes: Record<string, number> = {};
          response.Records?.forEach((entry, i) => {
            if (entry.ErrorCode) {
              failed.push(pending[i]!);
              codes[entry.ErrorCode] = (codes[entry.ErrorCode] ?? 0) + 1;
            }
          });
          // A response without per-entry results but a failure count: treat every entry as failed.
          if (failed.length === 0 && (response.FailedRecordCount ?? 0) > 0) failed.push(...pending);
          result.records += pending.length - failed.length;
          if (failed.length > 0) {
            result.retriedEntries += failed.length;
            pending = failed;
            throw new EmfFanoutError(`${failed.length} of ${entries.length} PutRecords entries failed: ${JSON.stringify(codes)}`, 'put_records_partial_failure');
          }
        },
        {
          retries: opts.retryAttempts,
          minTimeout: opts.minTimeoutMs ?? 100,
          maxTimeout: 5_000,
          factor: 2,
          randomize: true,
          maxRetryTime: Math.max(0, budget),
          signal,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            opts.logger.warn('kinesis write attempt failed', { attempt: attemptNumber, retriesLeft, error: error.message, pending: pending.length });
          },
        },
      );
    } catch (err) {
      const left = calls.slice(c + 1);
      const failedRecords = pending.length + left.reduce((n, call) => n + call.length, 0);
      const failedDocuments = [pending, ...left].flat().reduce((n, r) => n + r.documents, 0);
      throw new KinesisWriteError(
        `could not write ${failedRecords} record(s) (${failedDocuments} documents) to ${opts.streamName} before the deadline: ${(err as Error).message}`,
        failedRecords,
        failedDocuments,
        result.retriedEntries,
        { cause: err },
      );
    }
  }
  return result;
}
