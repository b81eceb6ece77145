import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { KinesisWriteError, planCalls, PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_ENTRIES, writeRecords } from '../../../functions/forwarder/writeRecords.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';

const kinesisMock = mockClient(KinesisClient);
afterEach(() => kinesisMock.reset());

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ data: Buffer.from(`r${i}`), partitionKey: 'k', documents: 2 }));
const sentData = (call: number) =>
  (kinesisMock.commandCalls(PutRecordsCommand)[call]!.args[0].input.Records ?? []).map((r) => Buffer.from(r.Data!).toString());
const opts = (remainingMs = 60_000) => ({
  streamName: 's', remainingMs: () => remainingMs, deadlineMarginMs: 1_000, retryAttempts: 8, logger: createMemoryLogger(), minTimeoutMs: 1,
});

describe('writeRecords', () => {
  it('retries only the entries that failed, until all are written', async () => {
    kinesisMock
      .on(PutRecordsCommand)
      .resolvesOnce({ FailedRecordCount: 2, Records: [{ SequenceNumber: '1' }, { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' }, { SequenceNumber: '3' }, { ErrorCode: 'InternalFailure' }] })
      .resolvesOnce({ FailedRecordCount: 1, Records: [{ ErrorCode: 'SomeFutureErrorCode' }, { SequenceNumber: '5' }] })
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '6' }] });
    const result = await writeRecords(new KinesisClient({ region: 'us-east-1' }), records(4), opts());
    expect(result).toEqual({ records: 4, calls: 3, retriedEntries: 3 });
    expect(sentData(0)).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(sentData(1)).toEqual(['r1', 'r3']);
    expect(sentData(2)).toEqual(['r1']);
  });

  it('retries request-level throttling, and gives up at once on a permanent error', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    kinesisMock.on(PutRecordsCommand).rejectsOnce(throttled).resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1' }] });
    expect(await writeRecords(new KinesisClient({ region: 'us-east-1' }), records(1), opts())).toMatchObject({ records: 1, calls: 2 });

    kinesisMock.reset();
    kinesisMock.on(PutRecordsCommand).rejects(Object.assign(new Error('no such stream'), { name: 'ResourceNotFoundException' }));
    const err = await writeRecords(new KinesisClient({ region: 'us-east-1' }), records(3), opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KinesisWriteError);
    expect(err).toMatchObject({ failedRecords: 3, failedDocuments: 6 });
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(1);
  });

  it('stops retrying before the deadline and throws, naming what was not written', async () => {
    kinesisMock.on(PutRecordsCommand).resolves({ FailedRecordCount: 1, Records: [{ ErrorCode: 'ProvisionedThroughputExceededException' }] });
    // 1.3 s left with a 1 s margin: 300 ms of retry budget.
    const o = { ...opts(1_300), minTimeoutMs: 50, retryAttempts: 100 };
    const err = await writeRecords(new KinesisClient({ region: 'us-east-1' }), records(1), o).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KinesisWriteError);
    expect((err as KinesisWriteError).failedRecords).toBe(1);
    const calls = kinesisMock.commandCalls(PutRecordsCommand).length;
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThan(100);
  });

  it('reports the records of later calls as not written when an earlier call fails', async () => {
    kinesisMock.on(PutRecordsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const err = await writeRecords(new KinesisClient({ region: 'us-east-1' }), records(501), opts()).catch((e: unknown) => e);
    expect(err).toMatchObject({ failedRecords: 501, failedDocuments: 1002 });
  });
});

describe('planCalls (PutRecords limits)', () => {
  const rec = (bytes: number) => ({ data: Buffer.alloc(bytes), partitionKey: 'k', documents: 1 });
  it('puts at most 500 records in a call', () => {
    const calls = planCalls(Array.from({ length: 1001 }, () => rec(10)));
    expect(calls.map((c) => c.length)).toEqual([PUT_RECORDS_MAX_ENTRIES, PUT_RECORDS_MAX_ENTRIES, 1]);
  });
  it('puts at most 5 MiB (data + keys) in a call', () => {
    const calls = planCalls(Array.from({ length: 12 }, () => rec(1_048_575)));
    for (const c of calls) expect(c.reduce((n, r) => n + r.data.length + 1, 0)).toBeLessThanOrEqual(PUT_RECORDS_MAX_BYTES);
    expect(calls.map((c) => c.length)).toEqual([5, 5, 2]);
  });
});
