/**
 * What Lambda's Kinesis event source mapping hands a function, built from real GetRecords output:
 * the event record envelope, the invocation context, and how Lambda reads the function's answer.
 * Shapes follow https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (example event) and
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html.
 */
import { randomUUID } from 'node:crypto';
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { Context, KinesisStreamRecord } from 'aws-lambda';

/** The stream and function identity every record of an event carries. */
export interface EventIdentity {
  region: string;
  accountId: string;
  streamName: string;
  functionName: string;
}

/** A record ready for an event, with its exact JSON size (for Lambda's 6 MB payload limit). */
export interface PreparedRecord {
  record: KinesisStreamRecord;
  sequenceNumber: string;
  bytes: number;
}

/** `{"Records":[` + `]}`: the bytes of an event around its records. */
export const EVENT_ENVELOPE_BYTES = Buffer.byteLength('{"Records":[]}');

/** A GetRecords record → the Lambda event record (`eventID` = `<shardId>:<sequenceNumber>`, data base64). */
export function toLambdaRecord(r: KinesisRecord, shardId: string, id: EventIdentity): PreparedRecord {
  if (r.SequenceNumber === undefined || r.Data === undefined || r.PartitionKey === undefined) {
    throw new Error(`GetRecords returned a record without SequenceNumber, Data or PartitionKey on ${shardId}`);
  }
  const arrival = r.ApproximateArrivalTimestamp ?? new Date();
  const record: KinesisStreamRecord = {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: r.PartitionKey,
      sequenceNumber: r.SequenceNumber,
      data: Buffer.from(r.Data).toString('base64'),
      // Epoch seconds with a fraction, as Lambda sends it.
      approximateArrivalTimestamp: arrival.getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${r.SequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: `arn:aws:iam::${id.accountId}:role/${id.functionName}-role`,
    awsRegion: id.region,
    eventSourceARN: `arn:aws:kinesis:${id.region}:${id.accountId}:stream/${id.streamName}`,
  };
  return { record, sequenceNumber: r.SequenceNumber, bytes: Buffer.byteLength(JSON.stringify(record)) };
}

/** A Lambda context whose remaining time counts down to `timeoutMs` from now. */
export function invocationContext(id: Pick<EventIdentity, 'region' | 'accountId' | 'functionName'>, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = (): never => {
    throw new Error('the deprecated Context callbacks (done/fail/succeed) are not supported: return a Promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: id.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${id.region}:${id.accountId}:function:${id.functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${id.functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]local`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** How Lambda reads a function's answer: the index of the first record to retry (= batch length when all succeeded). */
export type BatchVerdict =
  | { kind: 'success' }
  | { kind: 'partial'; failedIndex: number; sequenceNumber: string }
  | { kind: 'invalid'; error: string };

/**
 * Applies Lambda's ReportBatchItemFailures rules: no answer or an empty `batchItemFailures` means
 * success; otherwise Lambda checkpoints at the lowest reported sequence number and retries from it.
 * An `itemIdentifier` that is missing, empty, or not a sequence number of the batch makes the
 * whole batch a failure (the documented "ill-keyed" case; unknown numbers are treated the same way).
 */
export function readBatchResponse(response: unknown, batch: readonly PreparedRecord[]): BatchVerdict {
  if (response === undefined || response === null) return { kind: 'success' };
  if (typeof response !== 'object') return { kind: 'invalid', error: `the function returned ${typeof response}, not {batchItemFailures}` };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'invalid', error: 'batchItemFailures is not an array' };
  if (failures.length === 0) return { kind: 'success' };
  const index = new Map(batch.map((r, i) => [r.sequenceNumber, i]));
  let lowest = Number.POSITIVE_INFINITY;
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') return { kind: 'invalid', error: `batchItemFailures holds an empty or missing itemIdentifier: ${JSON.stringify(f)}` };
    const i = index.get(id);
    if (i === undefined) return { kind: 'invalid', error: `batchItemFailures names ${id}, which is not a sequence number of the batch` };
    lowest = Math.min(lowest, i);
  }
  return { kind: 'partial', failedIndex: lowest, sequenceNumber: batch[lowest]!.sequenceNumber };
}
