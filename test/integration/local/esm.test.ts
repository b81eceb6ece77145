/**
 * The event-source-mapping emulator against a real Kinesis-compatible stream (kinesalite, real SDK):
 * what Lambda's Kinesis ESM promises — every record once and in order per shard, BatchSize, the
 * batching window, the 6 MB payload limit, retry from the failed sequence number, whole-batch
 * retries, and bounded retries that end in a reported discard.
 */
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventSourceMapping, type EventSourceMappingOptions, type InvocationReport, type KinesisHandler } from '../../../local/esm.ts';
import { startLocalKinesis, type LocalKinesis } from '../../../local/kinesalite.ts';
import { eventData, putRecords, shardOf } from './esmHelpers.ts';

let kinesis: LocalKinesis;
let streamCounter = 0;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis.close();
});

async function newStream(shards = 1): Promise<string> {
  const name = `esm-test-${++streamCounter}`;
  await kinesis.createStream(name, shards);
  return name;
}

/** Runs a mapping until every record written so far is processed, recording each event and invocation. */
async function runMapping(streamName: string, handler: KinesisHandler, extra: Partial<EventSourceMappingOptions> = {}) {
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

const items = (n: number, prefix = 'r') => Array.from({ length: n }, (_, i) => ({ partitionKey: `pk-${i % 17}`, data: `${prefix}-${i}` }));

describe('event source mapping emulator', () => {
  it('delivers every record of every shard exactly once, in shard order, in genuine Kinesis events of at most BatchSize', async () => {
    // Prepare
    const stream = await newStream(3);
    const put = await putRecords(kinesis.client, stream, items(250));
    const { esm, events, contexts } = await runMapping(stream, async () => ({ batchItemFailures: [] }), { batchSize: 40 });

    // Act
    await esm.start();
    await esm.drain();
    await esm.stop();

    // Assess
    const shardIds = [...new Set(put.map((p) => p.shardId))];
    expect(shardIds.length).toBeGreaterThan(1);
    for (const shardId of shardIds) {
      const expected = put.filter((p) => p.shardId === shardId);
      const delivered = events.filter((e) => shardOf(e) === shardId).flatMap((e) => e.Records);
      expect(delivered.map((r) => r.kinesis.sequenceNumber)).toEqual(expected.map((p) => p.sequenceNumber));
      expect(delivered.map((r) => Buffer.from(r.kinesis.data, 'base64').toString())).toEqual(expected.map((p) => p.data));
      expect(delivered.map((r) => r.kinesis.partitionKey)).toEqual(expected.map((p) => p.partitionKey));
    }
    for (const e of events) {
      expect(e.Records.length).toBeGreaterThan(0);
      expect(e.Records.length).toBeLessThanOrEqual(40);
      expect(new Set(e.Records.map((r) => r.eventID.split(':')[0])).size).toBe(1);
      for (const r of e.Records) {
        expect(r).toMatchObject({
          eventSource: 'aws:kinesis', eventVersion: '1.0', eventName: 'aws:kinesis:record', awsRegion: kinesis.region,
          eventID: `${shardOf(e)}:${r.kinesis.sequenceNumber}`,
          eventSourceARN: `arn:aws:kinesis:${kinesis.region}:000000000000:stream/${stream}`,
          kinesis: { kinesisSchemaVersion: '1.0' },
        });
        expect(Math.abs(r.kinesis.approximateArrivalTimestamp - Date.now() / 1000)).toBeLessThan(600);
      }
    }
    expect(contexts[0]!.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(contexts[0]!.functionName).toBe('consumer-under-test');
    expect(esm.stats).toMatchObject({ recordsProcessed: 250, retries: 0, recordsDiscarded: 0, functionErrors: 0 });
  });

  it('after batchItemFailures checkpoints at the lowest reported sequence number and re-reads from it', async () => {
    // Prepare
    const stream = await newStream(1);
    const put = await putRecords(kinesis.client, stream, items(10));
    let calls = 0;
    const { esm, events } = await runMapping(stream, async (event) => {
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
    const stream = await newStream(1);
    const put = await putRecords(kinesis.client, stream, items(6));
    const answers = [{ batchItemFailures: [{ itemIdentifier: '' }] }, { batchItemFailures: [{ itemIdentifier: '1' }] }, { batchItemFailures: [] }];
    const { esm, events, invocations } = await runMapping(stream, async () => answers.shift(), { batchSize: 10 });

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
    const stream = await newStream(1);
    const put = await putRecords(kinesis.client, stream, items(12));
    const discards: unknown[] = [];
    const { esm, events } = await runMapping(stream, async (event) => {
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
    const stream = await newStream(1);
    const put = await putRecords(kinesis.client, stream, items(6));
    const { esm, events } = await runMapping(stream, async (event) => ({
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
    const stream = await newStream(1);
    await putRecords(kinesis.client, stream, items(3));
    let calls = 0;
    const { esm, invocations } = await runMapping(stream, async () => {
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

  it('waits up to the batching window to fill a batch, but invokes at once when BatchSize is reached', async () => {
    // Prepare: three records now, three more once the mapping has read the first ones.
    const stream = await newStream(1);
    await putRecords(kinesis.client, stream, items(3, 'early'));
    let late: Promise<unknown> | undefined;
    const { esm, events } = await runMapping(stream, async () => undefined, {
      batchSize: 100, batchingWindowMs: 2_500,
      observer: { onPoll: (_s, n) => { if (n > 0 && late === undefined) late = putRecords(kinesis.client, stream, items(3, 'late')); } },
    });

    // Act
    await esm.start();
    await esm.drain();
    await late;
    await esm.drain();
    await esm.stop();

    // Assess
    expect(events.map(eventData)).toEqual([['early-0', 'early-1', 'early-2', 'late-0', 'late-1', 'late-2']]);

    // Prepare: a window far longer than the test; full batches must not wait for it.
    const stream2 = await newStream(1);
    await putRecords(kinesis.client, stream2, items(8));
    const second = await runMapping(stream2, async () => undefined, { batchSize: 4, batchingWindowMs: 300_000 });

    // Act
    await second.esm.start();
    await second.esm.drain();
    await second.esm.stop();

    // Assess
    expect(second.events.map((e) => e.Records.length)).toEqual([4, 4]);
  });

  it('keeps every event under the 6 MB synchronous payload limit', async () => {
    // Prepare: 9 records of 700 KB; base64 makes each ~0.93 MB in the event.
    const stream = await newStream(1);
    const big = Array.from({ length: 9 }, (_, i) => ({ partitionKey: 'pk', data: String(i).repeat(700_000) }));
    for (let i = 0; i < big.length; i += 3) await putRecords(kinesis.client, stream, big.slice(i, i + 3));
    const sizes: number[] = [];
    const { esm, events } = await runMapping(stream, async (event) => {
      sizes.push(Buffer.byteLength(JSON.stringify(event)));
      return undefined;
    }, { batchSize: 100 });

    // Act
    await esm.start();
    await esm.drain();
    await esm.stop();

    // Assess
    expect(events.flatMap(eventData).map((d) => d[0])).toEqual(big.map((b) => b.data[0]));
    expect(events.length).toBeGreaterThan(1);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(6 * 1024 * 1024);
  });

  it('with LATEST ignores records written before it started', async () => {
    // Prepare
    const stream = await newStream(2);
    await putRecords(kinesis.client, stream, items(5, 'before'));
    const { esm, events } = await runMapping(stream, async () => undefined, { startingPosition: 'LATEST' });

    // Act
    await esm.start();
    await putRecords(kinesis.client, stream, items(4, 'after'));
    await esm.drain();
    await esm.stop();

    // Assess
    expect(events.flatMap(eventData).sort()).toEqual(['after-0', 'after-1', 'after-2', 'after-3']);
  });

  it('stops polling when stopped', async () => {
    // Prepare
    const stream = await newStream(2);
    let sends = 0;
    const original = kinesis.client.send.bind(kinesis.client);
    const counting = Object.create(kinesis.client) as typeof kinesis.client;
    counting.send = ((...args: Parameters<typeof original>) => {
      sends++;
      return original(...args);
    }) as typeof original;
    const esm = createEventSourceMapping({ client: counting, streamName: stream, functionName: 'f', region: kinesis.region, handler: async () => undefined, pollIntervalMs: 10 });

    // Act
    await esm.start();
    await esm.drain();
    await esm.stop();
    const afterStop = sends;
    await sleep(200);

    // Assess
    expect(afterStop).toBeGreaterThan(2);
    expect(sends).toBe(afterStop);
  });

  it('retries from the failed record even when getting the new iterator fails once (throttling)', async () => {
    // Prepare: the first AT_SEQUENCE_NUMBER GetShardIterator call is throttled.
    const stream = await newStream(1);
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
    const { esm, events } = await runMapping(stream, async (event) => (++calls === 1 ? { batchItemFailures: [{ itemIdentifier: event.Records[2]!.kinesis.sequenceNumber }] } : undefined), { client: flaky });

    // Act
    await esm.start();
    await esm.drain();
    await esm.stop();

    // Assess
    expect(throttled).toBe(true);
    expect(events.map(eventData)).toEqual([put.map((p) => p.data), put.slice(2).map((p) => p.data)]);
  });

  it('rejects settings outside what Lambda allows', () => {
    const base = { client: kinesis.client, streamName: 's', functionName: 'f', region: 'us-east-1', handler: async () => undefined };
    expect(() => createEventSourceMapping({ ...base, batchSize: 10_001 })).toThrow(/batchSize must be an integer in \[1, 10000\]/);
    expect(() => createEventSourceMapping({ ...base, batchingWindowMs: 300_001 })).toThrow(/batchingWindowMs/);
    expect(() => createEventSourceMapping({ ...base, maxRetryAttempts: -2 })).toThrow(/maxRetryAttempts/);
  });
});
