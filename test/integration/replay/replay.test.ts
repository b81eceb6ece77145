/**
 * `npm run replay` end to end: documents parked by a real failure of the forwarder or of a consumer come back
 * through the real handlers and arrive at the provider exactly once; a second replay does nothing.
 */
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordData } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { SYNC_REQUEST_LIMIT_BYTES } from '../../helpers/FakeLambda.ts';
import { kinesisFailureRecord } from '../../helpers/parkedRecords.ts';
import { SQS_MAX_MESSAGE_BYTES } from '../../helpers/FakeQueues.ts';
import { startKinesalite, type Kinesalite } from '../../helpers/kinesalite.ts';
import { ACCOUNT, CONSUMER, emfEvent, range, REGION, replayWorld, type ReplayWorld, uniqueHex } from './replayWorld.ts';

let k: Kinesalite;
let w: ReplayWorld;
beforeAll(async () => {
  k = await startKinesalite();
});
afterAll(async () => {
  await k?.close();
});
afterEach(() => {
  vi.useRealTimers();
  w?.close();
});

/** The rows of the results table: RESULT and DETAIL by item. */
const resultRows = (stdout: string) => stdout.split('\n').filter((l) => /^(replayed|would replay|left: \S+|gone) {2}/.test(l));

describe('npm run replay: forwarder items', () => {
  it('(a)+(c) an event the forwarder failed on 3 times is replayed once Kinesis is back: every document arrives exactly once; a second replay is a no-op', async () => {
    w = await replayWorld(k);
    const events = [emfEvent('/aws/lambda/orders', range(1, 40)), emfEvent('/aws/lambda/payments', range(101, 25))];
    for (const e of events) await w.parkForwarderFailure(e);
    expect(w.bucket.objects.size).toBe(2);
    await w.createStream(); // the outage is over

    const r = await w.run(['--apply', '--forwarder']);
    expect(r.code, r.stderr).toBe(0);
    expect(resultRows(r.stdout)).toHaveLength(2);
    expect(resultRows(r.stdout).every((l) => l.startsWith('replayed'))).toBe(true);
    expect(w.bucket.objects.size).toBe(0);
    expect(w.lambda.invocationsOf(w.names.forwarder)).toBe(2);
    expect(r.stdout).toMatch(/forwarder\s+2\s+2\s+65\s+65\s+0\s+0/); // SOURCE ITEMS REPLAYED EVENTS DOCUMENTS EXPIRED LEFT

    await w.consumeStream();
    expect(w.delivered()).toEqual([...range(1, 40), ...range(101, 25)]);

    // (c) The same command again: nothing parked, nothing invoked, nothing written.
    const recordsBefore = (await w.readStream()).length;
    const again = await w.run(['--apply', '--forwarder']);
    expect(again.code, again.stderr).toBe(0);
    expect(w.lambda.invocationsOf(w.names.forwarder)).toBe(2);
    expect((await w.readStream()).length).toBe(recordsBefore);
    expect(again.stdout).toContain('Nothing to replay.');
  });

  it('(d) a subscription event just under the 1 MB asynchronous limit, whose invocation record does not fit an SQS message, is parked in the bucket and replayed completely', async () => {
    w = await replayWorld(k);
    const LIMIT = 1_048_576;
    const size = (n: number, extra = 0) => Buffer.byteLength(JSON.stringify(emfEvent('/aws/lambda/big', range(1, n), 600, extra)));
    /** The largest x in [lo, hi) with f(x) < LIMIT, f growing with x. */
    const largestUnder = (f: (x: number) => number, lo: number, hi: number) => {
      expect(f(hi)).toBeGreaterThanOrEqual(LIMIT);
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (f(mid) < LIMIT) lo = mid;
        else hi = mid;
      }
      return lo;
    };
    // As many lines as fit (unique values: no two lines alike), then the last line grown to fill the rest.
    const n = largestUnder((x) => size(x), 1, 4_000);
    const extra = largestUnder((x) => size(n, x), 0, 4_000);
    const event = emfEvent('/aws/lambda/big', range(1, n), 600, extra);
    const eventBytes = Buffer.byteLength(JSON.stringify(event));
    expect(eventBytes).toBeLessThan(LIMIT);
    expect(eventBytes).toBeGreaterThan(LIMIT - 64);

    const key = await w.parkForwarderFailure(event);
    const recordBytes = w.bucket.objects.get(key)!.length;
    expect(recordBytes).toBeGreaterThan(SQS_MAX_MESSAGE_BYTES);
    expect(() => w.queue.send(w.bucket.objects.get(key)!.toString('utf8'))).toThrow(/shorter than 1048576/);

    await w.createStream();
    const r = await w.run(['--apply']);
    expect(r.code, r.stderr).toBe(0);
    expect(w.bucket.objects.size).toBe(0);
    await w.consumeStream();
    expect(w.delivered()).toEqual(range(1, n));
  });
});

describe('npm run replay: consumer items', () => {
  it('(b)+(c) a batch the consumer gave up on is read back from the stream and every datum arrives exactly once; a second replay is a no-op', async () => {
    w = await replayWorld(k);
    await w.createStream();
    const batch = await w.parkConsumerFailure(emfEvent('/aws/lambda/orders', range(1, 30)));
    expect(batch.length).toBeGreaterThan(0);
    expect(w.queue.messages).toHaveLength(1);
    expect(w.delivered()).toEqual([]);

    const r = await w.run(['--apply', '--consumer', CONSUMER]);
    expect(r.code, r.stderr).toBe(0);
    expect(resultRows(r.stdout)).toEqual([expect.stringMatching(/^replayed {2}/)]);
    expect(w.queue.messages).toHaveLength(0);
    expect(w.delivered()).toEqual(range(1, 30));

    const again = await w.run(['--apply', '--consumer', CONSUMER]);
    expect(again.code, again.stderr).toBe(0);
    expect(w.lambda.invocationsOf(w.names.consumer)).toBe(1);
    expect(w.delivered()).toEqual(range(1, 30));
  });

  it('a batch the consumer still cannot deliver is kept, with its batchItemFailures reported (exit 1), and replayed by a later run', async () => {
    w = await replayWorld(k);
    await w.createStream();
    await w.parkConsumerFailure(emfEvent('/aws/lambda/orders', range(1, 5)));
    w.provider.always({ status: 'retryable', error: new Error('503 from the backend') }); // the backend is still down

    const r = await w.run(['--apply', '--consumer', CONSUMER]);
    expect(r.code).toBe(1);
    expect(resultRows(r.stdout)).toEqual([expect.stringMatching(/^left: partial_failure .*invocation 1 of 1: 1 batch item failure\(s\), from "\d+"/)]);
    expect(w.queue.visible()).toHaveLength(1);
    expect(w.delivered()).toEqual([]);

    w.provider.always({ status: 'success' }); // the backend is back
    const again = await w.run(['--apply', '--consumer', CONSUMER]);
    expect(again.code, again.stderr).toBe(0);
    expect(w.queue.messages).toHaveLength(0);
    expect(w.delivered()).toEqual(range(1, 5));
  });

  it('(e) records past the stream\'s retention are counted and reported with exit 1, and the item kept; --drop-expired acknowledges the loss', async () => {
    w = await replayWorld(k);
    await w.createStream();
    const batch = await w.parkConsumerFailure(emfEvent('/aws/lambda/orders', range(1, 12)));
    // A day and an hour later: kinesalite trims records older than the stream's 24-hour retention.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 25 * 3_600_000);

    const r = await w.run(['--apply', '--consumer', CONSUMER]);
    expect(r.code).toBe(1);
    const [row] = resultRows(r.stdout);
    expect(row).toMatch(/^left: records_expired/);
    expect(row).toContain(`${batch.length} of ${batch.length} record(s) past the stream's retention`);
    expect(r.stdout).toMatch(new RegExp(`${CONSUMER}\\s+1\\s+0\\s+0\\s+0\\s+${batch.length}\\s+1 records_expired`));
    expect(r.stderr).toContain('1 item(s) were not replayed');
    expect(w.queue.visible()).toHaveLength(1); // kept, and visible again at once
    expect(w.lambda.invocationsOf(w.names.consumer)).toBe(0);

    const dropped = await w.run(['--apply', '--consumer', CONSUMER, '--drop-expired']);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(resultRows(dropped.stdout)).toEqual([expect.stringMatching(/^replayed .*past the stream's retention/)]);
    expect(dropped.stdout).toMatch(new RegExp(`${CONSUMER}\\s+1\\s+1\\s+0\\s+0\\s+${batch.length}\\s+0`));
    expect(w.queue.messages).toHaveLength(0);
    expect(w.delivered()).toEqual([]);
  });

  it('a batch of 1 MB records is replayed in as many invocations of at most 6 MB as it takes, every datum once', async () => {
    w = await replayWorld(k);
    await w.createStream();
    // 8 records of about 900 KB (uncompressed record format), 20 documents each with unique values.
    const written: { SequenceNumber: string }[] = [];
    for (let r = 0; r < 8; r++) {
      const docs = range(r * 20 + 1, 20).map((v) => ({
        emf: { _aws: { Timestamp: 1_765_000_000_000, CloudWatchMetrics: [{ Namespace: 'Replay', Dimensions: [['Service']], Metrics: [{ Name: 'Latency' }] }] }, Service: 'big', Latency: v, Trace: uniqueHex(`big:${v}`, 45_000) },
      }));
      const data = recordData(docs, { logGroup: '/aws/lambda/big' }, 'none');
      expect(data.length).toBeGreaterThan(880_000);
      const put = await k.client.send(new PutRecordCommand({ StreamName: w.streamName, PartitionKey: 'big', Data: data }));
      written.push({ SequenceNumber: put.SequenceNumber! });
    }
    w.queue.send(kinesisFailureRecord(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${w.names.consumer}`, { shardId: 'shardId-000000000000', streamArn: w.streamArn, records: written }, new Date()));

    const r = await w.run(['--apply', '--consumer', CONSUMER]);
    expect(r.code, r.stderr).toBe(0);
    const sizes = w.lambda.invocations.map((i) => i.bytes);
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(SYNC_REQUEST_LIMIT_BYTES);
    expect(resultRows(r.stdout)).toEqual([expect.stringMatching(new RegExp(`^replayed .* 8 record\\(s\\) in ${sizes.length} invocation\\(s\\)`))]);
    expect(w.delivered()).toEqual(range(1, 160));
    expect(w.queue.messages).toHaveLength(0);
  });
});
