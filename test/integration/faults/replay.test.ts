/**
 * Fault suite, a parked event replayed (docs/faults.md): Kinesis is down through every attempt, so Lambda parks
 * the event in the forwarder's S3 on-failure destination; once Kinesis is back, `npm run replay -- --apply`
 * re-runs it through the forwarder and the consumer delivers it to a real Prometheus, every document once.
 * S3 and Lambda's control plane are in-memory fakes behind the real SDK clients (no local implementation);
 * Invoke reaches the real forwarder handler, writing to kinesalite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPrometheusConfig } from '../../../functions/consumers/prometheus/config.ts';
import { createPrometheusProvider } from '../../../functions/consumers/prometheus/PrometheusProvider.ts';
import { loadForwarderConfig } from '../../../functions/forwarder/config.ts';
import { createForwarderHandler } from '../../../functions/forwarder/forwarder.ts';
import { runReplay } from '../../../infra/replay/cli.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { fakeLambdaContext } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { encodeSubscriptionPayload } from '../../fixtures/subscription.ts';
import { FakeBucket } from '../../helpers/FakeBucket.ts';
import { FakeLambda } from '../../helpers/FakeLambda.ts';
import { FakeQueues } from '../../helpers/FakeQueues.ts';
import { hitPayload } from '../../helpers/faultLog.ts';
import { FaultPipeline } from '../../helpers/FaultPipeline.ts';
import { asyncInvocationRecord, asyncRecordKey } from '../../helpers/parkedRecords.ts';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheus.ts';

const REGION = 'us-east-1'; // FaultPipeline's Region
const FORWARDER = 'emf-fanout-dev-forwarder';

let prom: PrometheusServer;
let pipeline: FaultPipeline | undefined;
const cleanups: (() => void)[] = [];
beforeAll(async () => {
  prom = await startPrometheus();
});
afterAll(async () => {
  await prom?.stop();
});
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
  for (const c of cleanups.splice(0)) c();
});

async function heldSamples(prefix: string): Promise<number[]> {
  const series = await prom.rawSeries(`{__name__=~"${prefix}_.*"}`);
  return series.flatMap((s) => s.samples.map(([t]) => t)).sort((a, b) => a - b);
}

describe('a parked event replayed', () => {
  it('npm run replay re-runs the parked event through the forwarder once Kinesis is back: every document delivered once, a second replay does nothing', async () => {
    const provider = await createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: prom.remoteWriteUrl, PROM_RW_MODE: 'samples', PROM_RW_PREFIX: 'kreplay' }));
    const forwarderEnv = { RECORD_TARGET_BYTES: '1024', PLATFORM_METRICS: 'false', DEADLINE_MARGIN_MS: '500' };
    const p = (pipeline = await FaultPipeline.start({ provider, cuttableKinesis: true, forwarderTimeoutMs: 1_500, forwarderEnv }));
    const before = hitPayload('replay-before', 10);
    const parked = hitPayload('replay-parked', 25);
    await p.forward([before]);
    await p.kinesisLink!.cut();
    await p.forward([parked]);
    expect(p.parked).toEqual([parked]);
    await p.startConsumer();
    await p.drain();
    expect(await heldSamples('kreplay')).toEqual(before.logEvents.map((e) => e.timestamp));

    // What Lambda wrote to the bucket when it gave up: the event, with the last attempt's error.
    const bucket = new FakeBucket('emf-fanout-dev-forwarder-parking');
    const lambda = new FakeLambda();
    const queues = new FakeQueues();
    const dir = mkdtempSync(join(tmpdir(), 'emf-fault-replay-'));
    cleanups.push(() => {
      bucket.restore();
      lambda.restore();
      queues.restore();
      rmSync(dir, { recursive: true, force: true });
    });
    const time = new Date();
    const lastError = p.failedAttempts.at(-1)!.error;
    bucket.put(asyncRecordKey(FORWARDER, time), asyncInvocationRecord(`arn:aws:lambda:${REGION}:${lambda.account}:function:${FORWARDER}`, encodeSubscriptionPayload(parked), lastError, time));

    // Kinesis is back; the deployed forwarder is the real handler, writing to the same stream.
    await p.kinesisLink!.restore();
    const forwarder = createForwarderHandler({
      config: loadForwarderConfig({ ...forwarderEnv, AWS_REGION: REGION, KINESIS_STREAM_NAME: p.streamName }),
      kinesis: p.forwarderClient,
      logger: createMemoryLogger(),
    });
    lambda.add(FORWARDER, { handler: (e) => forwarder(e, fakeLambdaContext()), onFailure: bucket.arn });
    const replay = async (args: string[]) => {
      let stdout = '';
      const code = await runReplay(args, {
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: () => true },
        env: { AWS_REGION: REGION },
        cwd: dir,
        createClients: () => ({ s3: bucket.client, sqs: queues.client, lambda: lambda.client, kinesis: p.kinesis.client }),
        sqsWaitSeconds: 0,
      });
      return { code, stdout };
    };

    const first = await replay(['--forwarder', '--apply']);
    expect(first.code, first.stdout).toBe(0);
    expect(lambda.invocationsOf(FORWARDER)).toBe(1);
    expect(bucket.objects.size).toBe(0);
    await p.drain();
    // In = delivered: 35 = 10 + 25, each once.
    expect(await heldSamples('kreplay')).toEqual([...before.logEvents, ...parked.logEvents].map((e) => e.timestamp).sort((a, b) => a - b));
    expect(p.consumerTotals()).toMatchObject({ data: 35, delivered: 35, dropped: {} });

    const second = await replay(['--forwarder', '--apply']);
    expect(second.code).toBe(0);
    expect(lambda.invocationsOf(FORWARDER)).toBe(1);
    await p.drain();
    expect(p.consumerTotals()).toMatchObject({ data: 35, delivered: 35 });
  });
});
