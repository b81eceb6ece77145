/** How the ESM emulator reads a function's answer (Lambda's ReportBatchItemFailures rules) and builds event records. */
import { describe, expect, it } from 'vitest';
import { readBatchResponse, toLambdaRecord, type PreparedRecord } from '../../../local/lambdaKinesis.ts';

const identity = { region: 'eu-west-1', accountId: '123456789012', streamName: 'emf-fanout', functionName: 'prom' };
const batch: PreparedRecord[] = ['100', '200', '300'].map((seq) =>
  toLambdaRecord({ SequenceNumber: seq, PartitionKey: 'k', Data: Buffer.from(`d${seq}`), ApproximateArrivalTimestamp: new Date(1_700_000_000_500) }, 'shardId-000000000001', identity),
);

describe('readBatchResponse', () => {
  it('treats no answer, no batchItemFailures and an empty list as success', () => {
    for (const answer of [undefined, null, {}, { batchItemFailures: null }, { batchItemFailures: [] }]) {
      expect(readBatchResponse(answer, batch)).toEqual({ kind: 'success' });
    }
  });

  it('checkpoints at the lowest reported sequence number, whatever the order of the list', () => {
    const answer = { batchItemFailures: [{ itemIdentifier: '300' }, { itemIdentifier: '200' }] };
    expect(readBatchResponse(answer, batch)).toEqual({ kind: 'partial', failedIndex: 1, sequenceNumber: '200' });
  });

  it('fails the whole batch on an ill-keyed, empty or unknown itemIdentifier, or a malformed answer', () => {
    for (const answer of [
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ id: '200' }] },
      { batchItemFailures: [null] },
      { batchItemFailures: [{ itemIdentifier: '250' }] },
      { batchItemFailures: [{ itemIdentifier: 200 }] },
      { batchItemFailures: 'oops' },
      'done',
    ]) {
      expect(readBatchResponse(answer, batch).kind).toBe('invalid');
    }
  });
});

describe('toLambdaRecord', () => {
  it('builds the envelope of Lambda’s example Kinesis event and measures its JSON', () => {
    const r = batch[0]!;
    expect(r.record).toEqual({
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'k', sequenceNumber: '100', data: Buffer.from('d100').toString('base64'), approximateArrivalTimestamp: 1_700_000_000.5 },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: 'shardId-000000000001:100',
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/prom-role',
      awsRegion: 'eu-west-1',
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/emf-fanout',
    });
    expect(r.bytes).toBe(Buffer.byteLength(JSON.stringify(r.record)));
  });
});
