/** Shared pieces of the event-source-mapping tests: writing records with the real SDK and watching invocations. */
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';

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
