/**
 * The Kinesis events `npm run replay` invokes a consumer with: the ESM's shape (the with-kinesis.html example
 * event), read back by the real consumer core, and cut at Lambda's 6 MB synchronous limit in order.
 */
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { parseStreamArn, SYNC_PAYLOAD_LIMIT_BYTES, toEventRecord, toEvents } from '../../../infra/replay/kinesisEvents.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { fakeLambdaContext, recordData } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { InMemoryProvider } from '../../../shared/consumer/testing/InMemoryProvider.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';

const SRC = { shardId: 'shardId-000000000006', streamArn: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream', roleArn: 'arn:aws:iam::123456789012:role/lambda-role' };
const record = (seq: string, data: Uint8Array, arrival = new Date(1545084650987)): KinesisRecord => ({ SequenceNumber: seq, PartitionKey: '1', Data: data, ApproximateArrivalTimestamp: arrival });

describe('ESM events', () => {
  it('one record is the ESM\'s record, field for field (with-kinesis.html example event)', () => {
    expect(toEventRecord(record('49590338271490256608559692538361571095921575989136588898', Buffer.from('Hello, this is a test.')), SRC)).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0', partitionKey: '1', sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
        data: 'SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==', approximateArrivalTimestamp: 1545084650.987,
      },
      eventSource: 'aws:kinesis', eventVersion: '1.0', eventID: 'shardId-000000000006:49590338271490256608559692538361571095921575989136588898',
      eventName: 'aws:kinesis:record', invokeIdentityArn: 'arn:aws:iam::123456789012:role/lambda-role', awsRegion: 'us-east-2',
      eventSourceARN: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream',
    });
    expect(parseStreamArn('arn:aws:kinesis:eu-west-1:123456789012:stream/x/consumer/c:1')).toBeUndefined();
  });

  it('cuts a batch into events of at most 6 MB, in order, and the real consumer reads every datum of them', async () => {
    const records = Array.from({ length: 9 }, (_, r) =>
      record(String(1000n + BigInt(r)), recordData(Array.from({ length: 20 }, (_, d) => ({
        emf: { _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [[]], Metrics: [{ Name: 'V' }] }] }, V: r * 20 + d, Pad: `${r}-${d}-`.padEnd(45_000, String(d % 10)) },
      })), {}, 'none')),
    );
    const events = toEvents(records, SRC);
    expect(events.length).toBeGreaterThan(1);
    for (const e of events) expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThanOrEqual(SYNC_PAYLOAD_LIMIT_BYTES);
    expect(events.flatMap((e) => e.Records.map((r) => r.kinesis.sequenceNumber))).toEqual(records.map((r) => r.SequenceNumber));

    const provider = new InMemoryProvider();
    const handler = createConsumerHandler(provider, { env: {}, logger: createMemoryLogger() });
    for (const e of events) expect((await handler(e, fakeLambdaContext())).batchItemFailures).toEqual([]);
    expect(provider.delivered.map((d) => d.value)).toEqual(Array.from({ length: 180 }, (_, i) => i));
  });

  it('a limit smaller than one record still sends each record, one per event', () => {
    const events = toEvents([record('1', Buffer.alloc(10)), record('2', Buffer.alloc(10))], SRC, 10);
    expect(events.map((e) => e.Records.length)).toEqual([1, 1]);
    expect(toEvents([], SRC)).toEqual([]);
  });
});
