/**
 * Genuine Lambda Kinesis events and contexts for tests of consumers (ours and users'):
 * the same envelope Lambda's event source mapping delivers (with-kinesis.html example events),
 * carrying record data produced by the real record format (`encodeRecord`).
 */
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { encodeRecord, serialiseDocument, type DocumentOrigin, type RecordCompression, type RecordContext } from '../../record/format.ts';

export interface KinesisEventOptions {
  /** @default 'shardId-000000000000' */
  shardId?: string;
  /** @default 'emf-fanout' */
  streamName?: string;
  /** @default 'eu-west-1' */
  region?: string;
  /** @default '123456789012' */
  account?: string;
  /** Sequence number of the first record; each next record gets a larger one. @default a 56-digit number like Kinesis's */
  firstSequenceNumber?: bigint;
  /** Partition key of every record. @default the record's index as 'pk-<i>' */
  partitionKey?: (index: number) => string;
}

const DEFAULT_FIRST_SEQUENCE = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n;

/**
 * Wraps record data (as the forwarder wrote them with PutRecords) into a `KinesisStreamEvent`
 * with increasing sequence numbers, in the given order.
 *
 * @example
 * const event = kinesisEventFromRecords([encodeRecord(ctx, docs, 'gzip')], { shardId: 'shardId-000000000001' });
 */
export function kinesisEventFromRecords(recordsData: readonly Uint8Array[], opts: KinesisEventOptions = {}): KinesisStreamEvent {
  const shardId = opts.shardId ?? 'shardId-000000000000';
  const region = opts.region ?? 'eu-west-1';
  const account = opts.account ?? '123456789012';
  const first = opts.firstSequenceNumber ?? DEFAULT_FIRST_SEQUENCE;
  const arrival = Math.floor(Date.now() / 1000);
  const Records: KinesisStreamRecord[] = recordsData.map((data, i) => {
    const sequenceNumber = (first + BigInt(i) * 1_000_000n).toString();
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: opts.partitionKey?.(i) ?? `pk-${i}`,
        sequenceNumber,
        data: Buffer.from(data).toString('base64'),
        approximateArrivalTimestamp: arrival + i / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${account}:role/emf-fanout-consumer`,
      awsRegion: region,
      eventSourceARN: `arn:aws:kinesis:${region}:${account}:stream/${opts.streamName ?? 'emf-fanout'}`,
    };
  });
  return { Records };
}

/** Lambda's redelivery after a partial batch response: the records from `sequenceNumber` on. */
export function redeliverFrom(event: KinesisStreamEvent, sequenceNumber: string): KinesisStreamEvent {
  const i = event.Records.findIndex((r) => r.kinesis.sequenceNumber === sequenceNumber);
  if (i < 0) throw new Error(`sequence number ${sequenceNumber} is not in the event`);
  return { Records: event.Records.slice(i) };
}

/** One document for `recordData`: an EMF object (serialised) or verbatim text. */
export interface TestDocument {
  emf: Record<string, unknown> | string;
  id?: string;
  timestamp?: number;
  origin?: DocumentOrigin;
}

let nextEventId = 1;

/** The data of one record in the real format v1 (brotli-compressed unless `compression` says otherwise, as the forwarder writes it by default). */
export function recordData(docs: readonly TestDocument[], ctx: Partial<RecordContext> = {}, compression: RecordCompression = 'brotli'): Buffer {
  const context: RecordContext = {
    owner: ctx.owner ?? '123456789012',
    region: ctx.region ?? 'eu-west-1',
    logGroup: ctx.logGroup ?? '/aws/lambda/orders',
    logStream: ctx.logStream ?? '2025/01/01/[$LATEST]0123456789abcdef',
  };
  const serialised = docs.map((d) =>
    serialiseDocument({
      id: d.id ?? String(nextEventId++).padStart(56, '0'),
      timestamp: d.timestamp ?? Date.now(),
      origin: d.origin ?? 'emf',
      emf: typeof d.emf === 'string' ? d.emf : JSON.stringify(d.emf),
    }),
  );
  return encodeRecord(context, serialised, compression);
}

/** A Lambda `Context` whose remaining time counts down from `remainingMs` in real time (or follows `remaining()`). */
export function fakeLambdaContext(opts: { remainingMs?: number; remaining?: () => number; functionName?: string } = {}): Context {
  const start = Date.now();
  const budget = opts.remainingMs ?? 60_000;
  const functionName = opts.functionName ?? 'emf-fanout-consumer-test';
  const unsupported = () => {
    throw new Error('deprecated Context callbacks are not supported');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: `req-${start}-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/01/01/[$LATEST]test',
    getRemainingTimeInMillis: opts.remaining ?? (() => Math.max(0, budget - (Date.now() - start))),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
