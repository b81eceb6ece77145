/**
 * Fault suite, StatsD over TCP (docs/faults.md): log events → the real forwarder → kinesalite → the
 * event source mapping → the StatsD provider (TCP, 5 data per send) → a TCP link → the real npm
 * `statsd` daemon. The link is cut in the middle of a batch, after the provider's second send has
 * reached the daemon. Every document is a counter increment of 1, so the daemon's counter is the
 * number of documents it got: a document lost or delivered twice changes it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadStatsdConfig } from '../../../functions/consumers/statsd/config.ts';
import { StatsdProvider } from '../../../functions/consumers/statsd/StatsdProvider.ts';
import type { StreamingProvider } from '../../../shared/consumer/types.ts';
import { hitPayload } from '../../helpers/faultLog.ts';
import { FaultPipeline, type FaultPipelineOptions } from '../../helpers/FaultPipeline.ts';
import { daemonKey, startStatsdDaemon, type StatsdDaemon } from '../../helpers/statsdDaemon.ts';
import { startTcpLink, type TcpLink } from '../../helpers/TcpLink.ts';

let daemon: StatsdDaemon;
let link: TcpLink;
let pipeline: FaultPipeline | undefined;
let provider: StatsdProvider | undefined;
beforeAll(async () => {
  daemon = await startStatsdDaemon();
  link = await startTcpLink(daemon.tcpPort);
});
afterAll(async () => {
  await link?.close();
  await daemon?.dispose();
});
afterEach(async () => {
  await pipeline?.close();
  await provider?.close();
  pipeline = undefined;
  provider = undefined;
});

/** The daemon's counter of scenario `scenario` (0 when absent). */
async function counter(scenario: string): Promise<number> {
  return (await daemon.read()).counters[daemonKey('Faults.Hits', [`Scenario:${scenario}`])] ?? 0;
}

/** Polls the daemon until the counter reaches `n` (or 5 s pass); returns the last value. */
async function counterReaches(scenario: string, n: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const v = await counter(scenario);
    if (v >= n) return v;
    await sleep(50);
  }
  return counter(scenario);
}

/**
 * The StatsD provider over the link, 5 data per send. After its `after`-th successful send, once the
 * daemon holds those data, `fault` breaks the link: the next send meets it.
 */
async function start(scenario: string, after: number, fault: () => void | Promise<void>, o: Partial<FaultPipelineOptions> = {}): Promise<FaultPipeline> {
  provider = new StatsdProvider(loadStatsdConfig({ STATSD_PROTOCOL: 'tcp', STATSD_HOST: '127.0.0.1', STATSD_PORT: String(link.port), STATSD_MAX_BATCH_SIZE: '5' }));
  const real = provider;
  let sends = 0;
  const faulty: StreamingProvider = {
    name: real.name, streaming: true, maxBatchSize: real.maxBatchSize,
    send: async (data, ctx) => {
      const result = await real.send(data, ctx);
      if (result.status === 'success' && ++sends === after) {
        expect(await counterReaches(scenario, after * 5)).toBe(after * 5);
        await fault();
        await sleep(50); // let the client see its connection go
      }
      return result;
    },
  };
  pipeline = await FaultPipeline.start({ provider: faulty, forwarderEnv: { RECORD_TARGET_BYTES: '1024', PLATFORM_METRICS: 'false' }, ...o });
  return pipeline;
}

describe('statsd TCP reset', () => {
  it('the connection is reset in the middle of a batch: the next send fails, is retried on a new connection, every document counted once', async () => {
    const p = await start('tcp-reset', 2, () => link.reset());
    const connectionsBefore = link.connections;

    await p.forward([hitPayload('tcp-reset', 20)]);
    await p.startConsumer();
    await p.drain();

    expect(link.connections - connectionsBefore).toBe(2);
    expect(p.summaries).toHaveLength(1);
    expect(p.summaries[0]).toMatchObject({ data: 20, delivered: 20, dropped: {}, retries: 1 });
    expect(p.summaries[0]!.redelivery).toBeUndefined();
    expect(await counterReaches('tcp-reset', 20)).toBe(20);
    await sleep(100);
    expect(await counter('tcp-reset')).toBe(20);
  });

  it('the daemon is unreachable from the middle of a batch until the retries run out: a batch item failure, Lambda redelivers, every document counted once', async () => {
    const p = await start('tcp-down', 2, () => link.cut(), { consumerEnv: { CONSUMER_MAX_RETRIES: '2' } });
    p.onInvocation = () => link.restore();

    await p.forward([hitPayload('tcp-down', 20)]);
    await p.startConsumer();
    await p.drain();

    expect(p.invocations[0]!.verdict.kind).toBe('partial');
    expect(p.summaries[0]).toMatchObject({ delivered: 10, retries: 2, redelivery: { stoppedBy: 'retries', error: expect.stringMatching(/ECONNREFUSED/) } });
    expect(p.invocations[1]).toMatchObject({ retry: true, verdict: { kind: 'success' } });
    // Redelivery starts at the record the cut fell in: its data sent before the cut are passed over, not sent twice.
    const { delivered, redelivery } = p.summaries[0]!;
    const sentBefore = delivered - (20 - redelivery!.data);
    expect(sentBefore).toBeGreaterThan(0);
    expect(p.consumerTotals()).toMatchObject({ delivered: 20, dropped: {}, duplicates: { documents: sentBefore, data: sentBefore } });
    expect(await counterReaches('tcp-down', 20)).toBe(20);
    await sleep(100);
    expect(await counter('tcp-down')).toBe(20);
  });
});
