/**
 * Kinesis Lambda events built exactly as the event source mapping builds them (the with-kinesis.html example
 * event; /work/shared/notes/emf-facts.md §5.2; `KinesisStreamEvent` of @types/aws-lambda), so the deployed
 * consumer cannot tell a replay from a delivery. The ESM invokes synchronously, so an event is at most the
 * synchronous payload limit (6 MB); a batch is cut into as many events as it takes, in order.
 */
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/** Lambda's synchronous invocation payload limit (API_Invoke: "the maximum payload size is 6 MB"). */
export const SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

export interface EventSource {
  shardId: string;
  /** The stream's ARN (`arn:aws:kinesis:<region>:<account>:stream/<name>`). */
  streamArn: string;
  /** The consumer function's execution role: the ESM's `invokeIdentityArn`. */
  roleArn: string;
}

/** `arn:aws:kinesis:eu-west-1:123456789012:stream/emf-fanout-prod` → its Region and stream name. */
export function parseStreamArn(arn: string): { region: string; streamName: string } | undefined {
  const m = /^arn:[^:]+:kinesis:([^:]+):\d{12}:stream\/([^/]+)$/.exec(arn);
  return m ? { region: m[1]!, streamName: m[2]! } : undefined;
}

export function toEventRecord(r: KinesisRecord, src: EventSource): KinesisStreamRecord {
  const sequenceNumber = r.SequenceNumber ?? '';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: r.PartitionKey ?? '',
      sequenceNumber,
      data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
      // Epoch seconds with milliseconds, as the ESM writes it.
      approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${src.shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: src.roleArn,
    awsRegion: parseStreamArn(src.streamArn)?.region ?? '',
    eventSourceARN: src.streamArn,
  };
}

/** The records as events of at most `maxBytes` of JSON each, in order (one record is at most 1 MiB, 1.4 MB in base64). */
export function toEvents(records: readonly KinesisRecord[], src: EventSource, maxBytes: number = SYNC_PAYLOAD_LIMIT_BYTES): KinesisStreamEvent[] {
  const events: KinesisStreamEvent[] = [];
  const envelope = Buffer.byteLength(JSON.stringify({ Records: [] }));
  let current: KinesisStreamRecord[] = [];
  let size = envelope;
  for (const r of records) {
    const rec = toEventRecord(r, src);
    const bytes = Buffer.byteLength(JSON.stringify(rec)) + 1; // and its comma
    if (current.length > 0 && size + bytes > maxBytes) {
      events.push({ Records: current });
      current = [];
      size = envelope;
    }
    current.push(rec);
    size += bytes;
  }
  if (current.length > 0) events.push({ Records: current });
  return events;
}
