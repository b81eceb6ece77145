/**
 * The event-source-mapping emulator against a real Kinesis-compatible stream (kinesalite, real SDK): what
 * Lambda's Kinesis ESM promises about failures — retry from the failed sequence number, whole-batch retries,
 * the function timeout, and bounded retries that end in a reported discard. Delivery: esm.delivery.test.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalKinesis, type LocalKinesis } from '../../../local/kinesalite.ts';
import { eventData, items, newStream, putRecords, runMapping } from './esmHelpers.ts';

let kinesis: LocalKinesis;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis.close();
});

describe('event source mapping emulator: failures and retries', () => {
  it('after batchItemFailures checkpoints at the lowest reported sequence number and re-reads from it', async () => {
    // Prepare
    const stream = await newStream(kinesis, 1);
    const put = await putRecords(kinesis.client, stream, items(10));
    let calls = 0;
    const { esm, events } = await runMapping(kinesis, stream, async (event) => {
      calls++;
      if (calls > 1) return { batchItemFailures: [] };
      // Report two records, the higher one first: Lambda takes the lowest.
      return { batchItemFailures: [{ itemIdentifier: event.Records[7]!.kinesis.sequenceNumber }, { itemIdentifier: event.Records[4]!.kinesis.sequenceNumber }] };
    }, { batchSize: 10 });

    // Act
    await esm.start();
    await esm.drain();
    await esm.stop();

    // Assess
    expect(events.map(eventData)).toEqual([put.map((p) => p.data), put.slice(4).map((p) => p.data)]);
    expect(esm.stats).toMatchObject({ invocations: 2, retries: 1, partialFailures: 1, recordsProcessed: 10, recordsDiscarded: 0 });
  });

  it('retries the whole batch when an itemIdentifier is empty or not in the batch', async () => {
    // Prepare
    const stream = await newStream(kinesis, 1);
    const put = await putRecords(kinesis.client, stream, items(6));
    const answers = [{ batchItemFailures: [{ itemIdentifier: '' }] }, { batchItemFailures: [{ itemIdentifier: '1' }] }, { batchItemFailures: [] }];
    const { esm, events, invocations } = await runMapping(kinesis, stream, async () => answers.shift(), { batchSize: 10 });

    // Act
    await esm.start();
    await esm.drain();
    await esm.stop();

    // Assess
    const all = put.map((p) => p.data);
    expect(events.map(eventData)).toEqual([all, all, all]);
    expect(invocations.map((i) => i.verdict.kind)).toEqual(['invalid', 'invalid', 'success']);
    expect(esm.stats).toMatchObject({ recordsProcessed: 6, retries: 2 });
  });

  it('retries a throwing handler with the whole batch, then discards and reports it after maxRetryAttempts and reads on', async () => {
    // Prepare
    const stream = await newStream(kinesis, 1);
    const put = await putRecords(kinesis.client, stream, items(12));
    const discards: unknown[] = [];
    const { esm, events } = await runMapping(kinesis, stream, async (event) => {
      if (eventData(event).includes('r-6')) throw new TypeError('poison record');
      return undefined;
    }, { batchSize: 5, maxRetryAttempts: 2, observer: { onDiscard: (d) => discards.push(d) } });

    // Act
    await esm.start();
    await esm.drain();
    await esm.stop();

    // Assess
    const data = put.map((p) => p.data);
    expect(events.map(eventData)).toEqual([data.slice(0, 5), data.slice(5, 10), data.slice(5, 10), data.slice(5, 10), data.slice(10)]);
    expect(discards).toEqual([{
      shardId: put[5]!.shardId, records: 5, attempts: 3,
      firstSequenceNumber: put[5]!.sequenceNumber, lastSequenceNumber: put[9]!.sequenceNumber,
      error: 'TypeError: poison record',
    }]);
    expect(esm.stats).toMatchObject({ recordsProcessed: 7, recordsDiscarded: 5, functionErrors: 3, retries: 2 });
  });

  it('starts the retry count afresh when a retry moves the checkpoint forward', async () => {
    // Prepare: every invocation fails its second record, so each retry makes progress of one record.
    const stream = await newStream(kinesis, 1);
    const put = await putRecords(kinesis.client, stream, items(6));
    const { esm, events } = await runMapping(kinesis, stream, async (event) => ({
      batchItemFailures: event.Records.length > 1 ? [{ itemIdentifier: event.Records[1]!.kinesis.sequenceNumber }] : [],
    }), { batchSize: 10, maxRetryAttempts: 1 });

    // Act
    await esm.start();
    await esm.drain();
    await esm.stop();

    // Assess
    expect(events.map((e) => eventData(e)[0])).toEqual(put.map((p) => p.data));
    expect(esm.stats).toMatchObject({ recordsProcessed: 6, recordsDiscarded: 0, invocations: 6 });
  });

  it('treats a handler still running at the function timeout as a function error and retries the batch', async () => {
    // Prepare
    const stream = await newStream(kinesis, 1);
    await putRecords(kinesis.client, stream, items(3));
    let calls = 0;
    const { esm, invocations } = await runMapping(kinesis, stream, async () => {
      if (++calls === 1) await sleep(1_500);
      return { batchItemFailures: [] };
    }, { timeoutMs: 300 });

    // Act
    await esm.start();
    await esm.drain();
    await esm.stop();

    // Assess
    expect(invocations.map((i) => i.verdict)).toEqual([{ kind: 'error', error: 'Task timed out after 0.30 seconds' }, { kind: 'success' }]);
    expect(esm.stats).toMatchObject({ recordsProcessed: 3, functionErrors: 1, retries: 1 });
  });

  it('retries from the failed record even when getting the new iterator fails once (throttling)', async () => {
    // Prepare: the first AT_SEQUENCE_NUMBER GetShardIterator call is throttled.
    const stream = await newStream(kinesis, 1);
    const put = await putRecords(kinesis.client, stream, items(6));
    const original = kinesis.client.send.bind(kinesis.client);
    const flaky = Object.create(kinesis.client) as typeof kinesis.client;
    let throttled = false;
    flaky.send = ((command: { input?: { ShardIteratorType?: string } }, ...rest: unknown[]) => {
      if (!throttled && command.input?.ShardIteratorType === 'AT_SEQUENCE_NUMBER') {
        throttled = true;
        return Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
      }
      return (original as (...a: unknown[]) => Promise<unknown>)(command, ...rest);
    }) as typeof original;
    let calls = 0;
    const { esm, events } = await runMapping(kinesis, stream, async (event) => (++calls === 1 ? { batchItemFailures: [{ itemIdentifier: event.Records[2]!.kinesis.sequenceNumber }] } : undefined), { client: flaky });

    // Act
    await esm.start();
    await esm.drain();
    await esm.stop();

    // Assess
    expect(throttled).toBe(true);
    expect(events.map(eventData)).toEqual([put.map((p) => p.data), put.slice(2).map((p) => p.data)]);
  });
});
