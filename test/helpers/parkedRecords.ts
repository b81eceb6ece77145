/**
 * What Lambda parks when it gives up, in its documented shapes:
 * - an asynchronous invocation record, as Lambda writes it to an S3 on-failure destination
 *   (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html): key
 *   `aws/lambda/async/<function>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>`;
 * - a Kinesis event source mapping's on-failure record, as sent to an SQS destination
 *   (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html), naming the batch's
 *   shard and sequence-number range, not its data.
 */
import { randomUUID } from 'node:crypto';

const pad = (n: number) => String(n).padStart(2, '0');

export function asyncRecordKey(functionName: string, time: Date): string {
  const [y, mo, d, h, mi, s] = [time.getUTCFullYear(), pad(time.getUTCMonth() + 1), pad(time.getUTCDate()), pad(time.getUTCHours()), pad(time.getUTCMinutes()), pad(time.getUTCSeconds())];
  return `aws/lambda/async/${functionName}/${y}/${mo}/${d}/${y}-${mo}-${d}T${h}.${mi}.${s}-${randomUUID()}`;
}

/** The record of an asynchronous event whose every attempt threw `error` (`attempts` = 1 + Lambda's 2 retries). */
export function asyncInvocationRecord(functionArn: string, event: unknown, error: Error, time: Date, attempts = 3): string {
  return JSON.stringify({
    version: '1.0',
    timestamp: time.toISOString(),
    requestContext: { requestId: randomUUID(), functionArn: `${functionArn}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: attempts },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: error.name, errorMessage: error.message, trace: [] },
  });
}

export interface FailedBatch {
  shardId: string;
  streamArn: string;
  /** The batch's records, in order, as GetRecords returned them. */
  records: readonly { SequenceNumber?: string; ApproximateArrivalTimestamp?: Date }[];
}

export function kinesisFailureRecord(functionArn: string, batch: FailedBatch, time: Date, condition = 'RetryAttemptsExhausted'): string {
  const first = batch.records[0]!;
  const last = batch.records.at(-1)!;
  return JSON.stringify({
    requestContext: { requestId: randomUUID(), functionArn, condition, approximateInvokeCount: 3 },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: time.toISOString(),
    KinesisBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: first.SequenceNumber,
      endSequenceNumber: last.SequenceNumber,
      approximateArrivalOfFirstRecord: first.ApproximateArrivalTimestamp?.toISOString(),
      approximateArrivalOfLastRecord: last.ApproximateArrivalTimestamp?.toISOString(),
      batchSize: batch.records.length,
      streamArn: batch.streamArn,
    },
  });
}
