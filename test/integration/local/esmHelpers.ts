/** Shared pieces of the event-source-mapping tests: streams, writing records with the real SDK, mappings that record what they deliver. */
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { createEventSourceMapping, type EventSourceMappingOptions, type InvocationReport, type KinesisHandler } from '../../../local/esm.ts';
import type { LocalKinesis } from '../../../local/kinesalite.ts';

let streamCounter = 0;

/** A new stream of `shards` shards on `kinesis`. */
export async function newStream(kinesis: LocalKinesis, shards = 1): Promise<string> {
  const name = `esm-test-${++streamCounter}`;
  await kinesis.createStream(name, shards);
  return name;
}

/** A mapping of `streamName` to `handler` (not started), recording each event, context and invocation. */
export async function runMapping(kinesis: LocalKinesis, streamName: string, handler: KinesisHandler, extra: Partial<EventSourceMappingOptions> = {}) {
  const events: KinesisStreamEvent[] = [];
  const contexts: Context[] = [];
  const invocations: InvocationReport[] = [];
  const esm = createEventSourceMapping({
    client: kinesis.client, streamName, functionName: 'consumer-under-test', region: kinesis.region,
    pollIntervalMs: 20, retryDelayMs: 5,
    handler: async (event, context) => {
      events.push(structuredClone(event));
      contexts.push(context);
      return handler(event, context);
    },
    observer: { onInvocation: (r) => invocations.push(r) },
    ...extra,
  });
  return { esm, events, contexts, invocations };
}

/** `n` records over 17 partition keys, with data `<prefix>-<i>`. */
export const items = (n: number, prefix = 'r') => Array.from({ length: n }, (_, i) => ({ partitionKey: `pk-${i % 17}`, data: `${prefix}-${i}` }));

export interface PutResult {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: string;
}

/** PutRecords in calls of ≤ 100 entries; returns where Kinesis put each record, in request order. */
export async function putRecords(client: KinesisClient, streamName: string, items: { partitionKey: string; data: string }[]): Promise<PutResult[]> {
  const out: PutResult[] = [];
  for (let i = 0; i < items.length; i += 100) {
    const chunk = items.slice(i, i + 100);
    const res = await client.send(new PutRecordsCommand({
      StreamName: streamName,
      Records: chunk.map((c) => ({ PartitionKey: c.partitionKey, Data: Buffer.from(c.data) })),
    }));
    if ((res.FailedRecordCount ?? 0) > 0) throw new Error(`PutRecords failed for ${res.FailedRecordCount} entries`);
    res.Records!.forEach((r, j) => out.push({ shardId: r.ShardId!, sequenceNumber: r.SequenceNumber!, ...chunk[j]! }));
  }
  return out;
}

/** The data of every record of an event, decoded from base64. */
export function eventData(event: KinesisStreamEvent): string[] {
  return event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
}

export const shardOf = (event: KinesisStreamEvent): string => event.Records[0]!.eventID.split(':')[0]!;
