/**
 * The event-source-mapping emulator against a real Kinesis-compatible stream (kinesalite, real SDK): what
 * Lambda's Kinesis ESM promises about delivery — every record once and in order per shard, BatchSize, the
 * batching window, the 6 MB payload limit, the starting position, stopping, and the settings Lambda allows.
 * Retries and discards: esm.retries.test.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalKinesis, type LocalKinesis } from '../../../local/kinesalite.ts';
import { createEventSourceMapping } from '../../../local/esm.ts';
import { eventData, items, newStream, putRecords, runMapping, shardOf } from './esmHelpers.ts';

let kinesis: LocalKinesis;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis.close();
});

describe('event source mapping emulator: delivery', () => {
  it('delivers every record of every shard exactly once, in shard order, in genuine Kinesis events of at most BatchSize', async () => {
    // Prepare
    const stream = await newStream(kinesis, 3);
    const put = await putRecords(kinesis.client, stream, items(250));
    const { esm, events, contexts } = await runMapping(kinesis, stream, async () => ({ batchItemFailures: [] }), { batchSize: 40 });

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

  it('waits up to the batching window to fill a batch, but invokes at once when BatchSize is reached', async () => {
    // Prepare: three records now, three more once the mapping has read the first ones.
    const stream = await newStream(kinesis, 1);
    await putRecords(kinesis.client, stream, items(3, 'early'));
    let late: Promise<unknown> | undefined;
    const { esm, events } = await runMapping(kinesis, stream, async () => undefined, {
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
    const stream2 = await newStream(kinesis, 1);
    await putRecords(kinesis.client, stream2, items(8));
    const second = await runMapping(kinesis, stream2, async () => undefined, { batchSize: 4, batchingWindowMs: 300_000 });

    // Act
    await second.esm.start();
    await second.esm.drain();
    await second.esm.stop();

    // Assess
    expect(second.events.map((e) => e.Records.length)).toEqual([4, 4]);
  });

  it('keeps every event under the 6 MB synchronous payload limit', async () => {
    // Prepare: 9 records of 700 KB; base64 makes each ~0.93 MB in the event.
    const stream = await newStream(kinesis, 1);
    const big = Array.from({ length: 9 }, (_, i) => ({ partitionKey: 'pk', data: String(i).repeat(700_000) }));
    for (let i = 0; i < big.length; i += 3) await putRecords(kinesis.client, stream, big.slice(i, i + 3));
    const sizes: number[] = [];
    const { esm, events } = await runMapping(kinesis, stream, async (event) => {
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
    const stream = await newStream(kinesis, 2);
    await putRecords(kinesis.client, stream, items(5, 'before'));
    const { esm, events } = await runMapping(kinesis, stream, async () => undefined, { startingPosition: 'LATEST' });

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
    const stream = await newStream(kinesis, 2);
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

  it('rejects settings outside what Lambda allows', () => {
    const base = { client: kinesis.client, streamName: 's', functionName: 'f', region: 'us-east-1', handler: async () => undefined };
    expect(() => createEventSourceMapping({ ...base, batchSize: 10_001 })).toThrow(/batchSize must be an integer in \[1, 10000\]/);
    expect(() => createEventSourceMapping({ ...base, batchingWindowMs: 300_001 })).toThrow(/batchingWindowMs/);
    expect(() => createEventSourceMapping({ ...base, maxRetryAttempts: -2 })).toThrow(/maxRetryAttempts/);
  });
});
