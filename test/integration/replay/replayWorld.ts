/**
 * A deployed stage for `npm run replay`, made of real parts where they exist: the REAL forwarder handler writing
 * to kinesalite through the real SDK client, and the REAL consumer core (createConsumerHandler) around an
 * in-memory provider. S3, SQS and Lambda's control plane are in-memory fakes behind the real SDK clients, with
 * Invoke routed to those handlers. Failures are made real too: the forwarder fails against a closed port; the
 * consumer's provider answers `retryable` until the emulated event source mapping gives up.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { loadForwarderConfig } from '../../../functions/forwarder/config.ts';
import { createForwarderHandler } from '../../../functions/forwarder/forwarder.ts';
import { runReplay } from '../../../infra/replay/cli.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { fakeLambdaContext } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { InMemoryProvider } from '../../../shared/consumer/testing/InMemoryProvider.ts';
import { createKinesisClient } from '../../../shared/kinesis/client.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { FakeBucket } from '../../helpers/FakeBucket.ts';
import { FakeLambda } from '../../helpers/FakeLambda.ts';
import { type FakeQueue, FakeQueues } from '../../helpers/FakeQueues.ts';
import { freeTcpPort } from '../../helpers/freePort.ts';
import { type Kinesalite, type StreamRecord, TEST_CREDENTIALS } from '../../helpers/kinesalite.ts';
import { asyncInvocationRecord, asyncRecordKey, kinesisFailureRecord } from '../../helpers/parkedRecords.ts';
import { toSubscriptionEvent } from '../../fixtures/subscription.ts';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const CONSUMER = 'example-http';

/** `length` hex digits that repeat nothing (a SHA-512 chain), like the trace ids and payloads of production lines. */
export function uniqueHex(seed: string, length: number): string {
  let out = '';
  for (let j = 0; out.length < length; j++) out += createHash('sha512').update(`${seed}:${j}`).digest('hex');
  return out.slice(0, length);
}

/** A CloudWatch Logs event of EMF lines, each with a unique `Latency` value (the datum that must arrive once). */
export function emfEvent(logGroup: string, values: readonly number[], padding = 0, lastExtra = 0) {
  return toSubscriptionEvent({
    logGroup,
    logStream: `2026/12/06/[$LATEST]${createHash('sha256').update(`${logGroup}${values[0]}`).digest('hex').slice(0, 32)}`,
    events: values.map((v, i) => ({
      // Deterministic ids (unique per value, 56 digits like CloudWatch's), so an event's size is a function of its arguments.
      id: String(1_765_000_000_000 + v).padEnd(56, '0'),
      timestamp: 1_765_000_000_000 + v,
      message: JSON.stringify({
        _aws: { Timestamp: 1_765_000_000_000 + v, CloudWatchMetrics: [{ Namespace: 'Replay', Dimensions: [['Service']], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }] }] },
        Service: 'orders', Latency: v,
        ...(padding > 0 ? { Trace: uniqueHex(`${logGroup}:${v}`, padding + (i === values.length - 1 ? lastExtra : 0)) } : {}),
      }),
    })),
  });
}

export async function replayWorld(k: Kinesalite, opts: { stage?: string; stream?: string } = {}) {
  const stage = opts.stage ?? 'dev';
  const streamName = opts.stream ?? `emf-replay-${Math.random().toString(36).slice(2, 8)}`;
  const streamArn = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${streamName}`;
  const names = { forwarder: `emf-fanout-${stage}-forwarder`, consumer: `emf-fanout-${stage}-${CONSUMER}` };
  const bucket = new FakeBucket(`emf-fanout-${stage}-forwarder-failures`);
  const queues = new FakeQueues();
  const queue: FakeQueue = queues.create(`emf-fanout-${stage}-${CONSUMER}-failures`, ACCOUNT, REGION);
  const lambda = new FakeLambda(ACCOUNT);
  const provider = new InMemoryProvider({ name: CONSUMER });
  const dir = mkdtempSync(join(tmpdir(), 'emf-replay-'));

  const forwarderOn = (endpoint: string, retryAttempts: number) => {
    const config = loadForwarderConfig({ KINESIS_STREAM_NAME: streamName, AWS_REGION: REGION, KINESIS_RETRY_ATTEMPTS: String(retryAttempts) });
    const kinesis = createKinesisClient({ endpoint, region: REGION, credentials: TEST_CREDENTIALS });
    return createForwarderHandler({ config, kinesis, logger: createMemoryLogger(), retryMinTimeoutMs: 5 });
  };
  const forwarder = forwarderOn(k.endpoint, 8);
  const consumer = createConsumerHandler(provider, { env: {}, logger: createMemoryLogger(), retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 } });
  lambda.add(names.forwarder, { handler: (e) => forwarder(e, fakeLambdaContext()), onFailure: bucket.arn });
  lambda.add(names.consumer, { handler: (e: KinesisStreamEvent) => consumer(e, fakeLambdaContext()), mappings: [{ eventSourceArn: streamArn, queueArn: queue.arn }] });

  /** Sequence numbers the emulated ESM has passed on (delivered, or given up on). */
  const passed = new Set<string>();

  /** The ESM's event for records read from the stream (real sequence numbers). */
  const esmEvent = (records: readonly StreamRecord[]): KinesisStreamEvent => ({
    Records: records.map((r) => ({
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: r.partitionKey, sequenceNumber: r.sequenceNumber, data: r.data.toString('base64'), approximateArrivalTimestamp: Date.now() / 1000 },
      eventSource: 'aws:kinesis', eventVersion: '1.0', eventID: `${r.shardId}:${r.sequenceNumber}`, eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/consumer`, awsRegion: REGION, eventSourceARN: streamArn,
    })),
  });

  return {
    stage, streamName, streamArn, names, bucket, queues, queue, lambda, provider, dir,
    createStream: () => k.createStream(streamName, 1),
    readStream: () => k.readAll(streamName),

    /**
     * CloudWatch Logs invokes the forwarder while Kinesis is unreachable (a closed port): Lambda's three attempts
     * all throw, and the event is parked in the bucket as Lambda writes it. Returns the key.
     */
    async parkForwarderFailure(event: unknown, time = new Date()): Promise<string> {
      const down = forwarderOn(`http://127.0.0.1:${await freeTcpPort()}`, 0);
      let error: Error | undefined;
      for (let attempt = 0; attempt < 3; attempt++) {
        error = await down(event, fakeLambdaContext()).then(() => undefined, (e: unknown) => e as Error);
        if (!error) throw new Error('the forwarder was expected to fail while Kinesis is unreachable');
      }
      const key = asyncRecordKey(names.forwarder, time);
      bucket.put(key, asyncInvocationRecord(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${names.forwarder}`, event, error!, time));
      return key;
    },

    /**
     * The forwarder writes `event` for real; then the emulated ESM hands the new records to the consumer, whose
     * provider answers `retryable` on every attempt, until it gives up and sends its on-failure record to the
     * queue. Returns the records of the failed batch.
     */
    async parkConsumerFailure(event: unknown, time = new Date()): Promise<StreamRecord[]> {
      const before = new Set((await k.readAll(streamName)).map((r) => r.sequenceNumber));
      await forwarder(event, fakeLambdaContext());
      const batch = (await k.readAll(streamName)).filter((r) => !before.has(r.sequenceNumber));
      const deliveredBefore = provider.delivered.length;
      provider.always({ status: 'retryable', error: new Error('503 from the backend') });
      for (let attempt = 0; attempt < 3; attempt++) {
        const r = await consumer(esmEvent(batch), fakeLambdaContext());
        if (r.batchItemFailures.length === 0) throw new Error('the consumer was expected to fail');
      }
      provider.always({ status: 'success' });
      for (const r of batch) passed.add(r.sequenceNumber); // the ESM gave up: its checkpoint moves past the batch
      if (provider.delivered.length !== deliveredBefore) throw new Error('a failed batch delivered data');
      queue.send(kinesisFailureRecord(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${names.consumer}`, {
        shardId: batch[0]!.shardId, streamArn, records: batch.map((r) => ({ SequenceNumber: r.sequenceNumber })),
      }, time));
      return batch;
    },

    /** What the consumer's ESM does next: the records past its checkpoint, through the real consumer, once. */
    async consumeStream(): Promise<void> {
      const records = (await k.readAll(streamName)).filter((r) => !passed.has(r.sequenceNumber));
      for (const r of records) passed.add(r.sequenceNumber);
      if (records.length > 0) await consumer(esmEvent(records), fakeLambdaContext());
    },

    /** `Latency` values the provider received, sorted. */
    delivered: () => provider.delivered.map((d) => d.value as number).sort((a, b) => a - b),

    async run(args: readonly string[]) {
      let stdout = '';
      let stderr = '';
      const code = await runReplay(args, {
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: (s: string) => (stderr += s) },
        env: { AWS_REGION: REGION },
        cwd: dir,
        createClients: () => ({ s3: bucket.client, sqs: queues.client, lambda: lambda.client, kinesis: k.client }),
        shardReader: { minIntervalMs: 200 },
        sqsWaitSeconds: 0,
      });
      return { code, stdout, stderr };
    },

    close() {
      bucket.restore();
      queues.restore();
      lambda.restore();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type ReplayWorld = Awaited<ReturnType<typeof replayWorld>>;

export const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
