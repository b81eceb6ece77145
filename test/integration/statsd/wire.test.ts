/**
 * The StatsD consumer end to end on real sockets: a Kinesis event in the real record format
 * goes through `createConsumerHandler(new StatsdProvider(…))` to raw UDP, TCP and Unix datagram
 * listeners on loopback, which record the exact bytes. Expected lines are written out by hand
 * from the documented line formats (docs/statsd.md).
 *
 * "Sent before the handler resolved" is checked the way Lambda would break it: the moment the
 * handler resolves, the client's socket is dropped without flushing (`abandon`, what a freeze
 * does to anything still queued), and every line must still arrive. A control test shows that
 * this check does catch a send that was not awaited.
 */
import { afterEach, describe, expect, it } from 'vitest';
import StatsD, { type ClientOptions, type StatsD as HotShotsClient } from 'hot-shots';
import { StatsdProvider } from '../../../functions/consumers/statsd/StatsdProvider.ts';
import { loadStatsdConfig } from '../../../functions/consumers/statsd/config.ts';
import { HotShotsTransport } from '../../../functions/consumers/statsd/HotShotsTransport.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { fakeLambdaContext, kinesisEventFromRecords, recordData } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { startTcpListener, startUdpListener, startUdsListener, udsPath, type RawListener } from '../../helpers/statsdListeners.ts';

const TIMESTAMP = 1_763_900_000_500;
const DOC = {
  _aws: {
    Timestamp: TIMESTAMP,
    CloudWatchMetrics: [{ Namespace: 'Shop', Dimensions: [['Service']], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }, { Name: 'Orders', Unit: 'Count' }, { Name: 'QueueDepth' }] }],
  },
  Service: 'checkout',
  Latency: [12, 30.5],
  Orders: 2,
  QueueDepth: 7,
  requestId: 'r-1',
};

/** The documented lines for DOC with `STATSD_GLOBAL_TAGS=env:test`. */
const EXPECTED = {
  dogstatsd: [
    'Shop.Latency:12|d|#env:test,Service:checkout',
    'Shop.Latency:30.5|d|#env:test,Service:checkout',
    'Shop.Orders:2|c|#env:test,Service:checkout',
    'Shop.QueueDepth:7|g|#env:test,Service:checkout',
  ],
  telegraf: [
    'Shop.Latency,env=test,Service=checkout:12|ms',
    'Shop.Latency,env=test,Service=checkout:30.5|ms',
    'Shop.Orders,env=test,Service=checkout:2|c',
    'Shop.QueueDepth,env=test,Service=checkout:7|g',
  ],
  statsd: [
    'Shop.Latency.Service.checkout.env.test:12|ms',
    'Shop.Latency.Service.checkout.env.test:30.5|ms',
    'Shop.Orders.Service.checkout.env.test:2|c',
    'Shop.QueueDepth.Service.checkout.env.test:7|g',
  ],
} as const;

const FAST_RETRY = { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5 };
const cleanups: (() => Promise<void> | void)[] = [];
const providers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  // Clients first, while their servers still answer; then listeners and paths.
  while (providers.length) await providers.pop()!.close();
  while (cleanups.length) await cleanups.pop()!();
});

async function listen(protocol: 'udp' | 'tcp' | 'uds'): Promise<RawListener> {
  if (protocol === 'udp') {
    const l = await startUdpListener();
    cleanups.push(() => l.close());
    return l;
  }
  if (protocol === 'tcp') {
    const l = await startTcpListener();
    cleanups.push(() => l.close());
    return l;
  }
  const p = udsPath();
  const l = startUdsListener(p.path);
  cleanups.push(() => p.remove(), () => l.close());
  return l;
}

/** A provider whose hot-shots clients the test can inspect. */
function providerFor(env: Record<string, string>) {
  const clients: HotShotsClient[] = [];
  const provider = new StatsdProvider(loadStatsdConfig(env), {
    clientFactory: (o: ClientOptions) => {
      const c = new StatsD(o);
      clients.push(c);
      return c;
    },
  });
  providers.push(provider);
  return { provider, clients };
}

async function invoke(provider: StatsdProvider, docs: Record<string, unknown>[], remainingMs = 30_000) {
  const logger = createMemoryLogger();
  const handler = createConsumerHandler(provider, { env: {}, logger, retry: FAST_RETRY });
  const event = kinesisEventFromRecords([recordData(docs.map((emf) => ({ emf, timestamp: TIMESTAMP })))]);
  const response = await handler(event, fakeLambdaContext({ remainingMs }));
  return { response, event, logger };
}

describe.each(['udp', 'tcp', 'uds'] as const)('over %s', (protocol) => {
  it.each(['dogstatsd', 'telegraf', 'statsd'] as const)('%s style: exact lines, every send completed before the handler resolved', async (style) => {
    const listener = await listen(protocol);
    const { provider, clients } = providerFor({ ...listener.env, STATSD_STYLE: style, STATSD_GLOBAL_TAGS: 'env:test' });

    const { response } = await invoke(provider, [DOC]);
    // Right as the handler resolves: nothing may be in flight, and dropping the socket loses nothing.
    const inFlight = clients.map((c) => (c as unknown as { messagesInFlight: number }).messagesInFlight);
    provider.abandon();

    expect(response.batchItemFailures).toEqual([]);
    expect(inFlight).toEqual([0]);
    expect(await listener.waitForLines(EXPECTED[style].length)).toEqual(EXPECTED[style]);
    await new Promise((r) => setTimeout(r, 50));
    expect(listener.lines(), 'nothing more than the expected lines').toEqual(EXPECTED[style]);
    // One datagram (UDP/UDS) or one newline-terminated write (TCP): 4 short lines fit in 8192 bytes.
    expect(listener.datagrams()).toEqual([EXPECTED[style].join('\n') + (protocol === 'tcp' ? '\n' : '')]);
  });

  it('letters outside ASCII in a tag: kept over UDP and UDS, `_` over TCP (hot-shots writes TCP as ascii), never a broken line', async () => {
    // Each is a letter whose low byte is a separator: Ċ → newline, ż → |, ĺ → :, ģ → #, Ĭ → ,
    const hostile = 'ĊżĺģĬé日';
    const listener = await listen(protocol);
    const { provider } = providerFor({ ...listener.env });
    await invoke(provider, [{ _aws: DOC._aws, Service: hostile, Orders: 2 }]);
    provider.abandon();
    const value = protocol === 'tcp' ? '_'.repeat(hostile.length) : hostile;
    expect(await listener.waitForLines(1)).toEqual([`Shop.Orders:2|c|#Service:${value}`]);
    await new Promise((r) => setTimeout(r, 50));
    expect(listener.lines()).toEqual([`Shop.Orders:2|c|#Service:${value}`]);
  });

  it('DogStatsD timestamps (|T) on counters and gauges only', async () => {
    const listener = await listen(protocol);
    const { provider } = providerFor({ ...listener.env, STATSD_TIMESTAMPS: 'true' });
    await invoke(provider, [DOC]);
    provider.abandon();
    expect(await listener.waitForLines(4)).toEqual([
      'Shop.Latency:12|d|#Service:checkout',
      'Shop.Latency:30.5|d|#Service:checkout',
      'Shop.Orders:2|c|#Service:checkout|T1763900000',
      'Shop.QueueDepth:7|g|#Service:checkout|T1763900000',
    ]);
  });

  it('packs whole lines into datagrams of at most STATSD_MAX_DATAGRAM_BYTES, in order', async () => {
    const listener = await listen(protocol);
    const { provider } = providerFor({ ...listener.env, STATSD_MAX_DATAGRAM_BYTES: '512' });
    const values = Array.from({ length: 100 }, (_, i) => i * 1.5);
    await invoke(provider, [{ ...DOC, Latency: values }]);
    provider.abandon();
    const expected = [
      ...values.map((v) => `Shop.Latency:${v}|d|#Service:checkout`),
      'Shop.Orders:2|c|#Service:checkout',
      'Shop.QueueDepth:7|g|#Service:checkout',
    ];
    expect(await listener.waitForLines(expected.length)).toEqual(expected);
    if (protocol !== 'tcp') {
      const sizes = listener.datagrams().map((d) => Buffer.byteLength(d));
      expect(sizes.length).toBeGreaterThan(1);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(512);
    }
  });
});

describe('send errors', () => {
  it('TCP: no server → retried, then a batch item failure; the redelivery reconnects and delivers', async () => {
    const probe = await startTcpListener();
    const port = probe.port;
    await probe.close(); // the port is free again: connecting is refused
    const { provider } = providerFor({ STATSD_PROTOCOL: 'tcp', STATSD_HOST: '127.0.0.1', STATSD_PORT: String(port) });

    const first = await invoke(provider, [DOC], 3_000);
    expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: first.event.Records[0]!.kinesis.sequenceNumber }]);

    const listener = await startTcpListener(port);
    cleanups.push(() => listener.close());
    const again = await invoke(provider, [DOC]);
    expect(again.response.batchItemFailures).toEqual([]);
    expect(await listener.waitForLines(4)).toEqual(EXPECTED.dogstatsd.map((l) => l.replace('env:test,', '')));
  });

  it('TCP: the server restarts between invocations → the stale connection fails, the retry reconnects', async () => {
    const listener = await startTcpListener();
    const port = listener.port;
    const { provider } = providerFor({ STATSD_PROTOCOL: 'tcp', STATSD_HOST: '127.0.0.1', STATSD_PORT: String(port) });
    expect((await invoke(provider, [DOC])).response.batchItemFailures).toEqual([]);
    await listener.close();
    await new Promise((r) => setTimeout(r, 50)); // let the client see the connection close
    const restarted = await startTcpListener(port);
    cleanups.push(() => restarted.close());

    const { response } = await invoke(provider, [DOC]);
    expect(response.batchItemFailures).toEqual([]);
    expect(await restarted.waitForLines(4)).toHaveLength(4);
  });

  it('UDS: no socket → retried, then a batch item failure; once the socket exists the redelivery delivers', async () => {
    const p = udsPath();
    cleanups.push(() => p.remove());
    const { provider } = providerFor({ STATSD_PROTOCOL: 'uds', STATSD_SOCKET_PATH: p.path });

    const first = await invoke(provider, [DOC], 3_000);
    expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: first.event.Records[0]!.kinesis.sequenceNumber }]);

    const listener = startUdsListener(p.path);
    cleanups.push(() => listener.close());
    const again = await invoke(provider, [DOC]);
    expect(again.response.batchItemFailures).toEqual([]);
    expect(await listener.waitForLines(4)).toHaveLength(4);
  });

  it('UDP: nobody listening still "succeeds" — UDP has no acknowledgement (README: Limitations)', async () => {
    const probe = await startUdpListener();
    const env = probe.env;
    await probe.close();
    const { provider } = providerFor(env);
    const { response } = await invoke(provider, [DOC]);
    expect(response.batchItemFailures).toEqual([]);
  });
});

describe("hot-shots' Datadog mode and telemetry are the configuration's, not the environment's", () => {
  const DD = { DD_ENV: 'prod', DD_SERVICE: 'svc', DD_VERSION: '9', DD_TAGS: 'team:x', DD_AGENT_HOST: '192.0.2.1', DD_DOGSTATSD_PORT: '9', DD_ENTITY_ID: 'e1' };

  it('DD_* variables (as set on Lambda with the Datadog extension) change neither the address nor the lines', async () => {
    const saved = Object.fromEntries(Object.keys(DD).map((k) => [k, process.env[k]]));
    Object.assign(process.env, DD);
    try {
      const listener = await listen('udp');
      const { provider } = providerFor({ ...listener.env, STATSD_GLOBAL_TAGS: 'env:test' });
      await invoke(provider, [DOC]);
      await provider.close(); // a closing client flushes telemetry, if it had any
      expect(await listener.waitForLines(4)).toEqual(EXPECTED.dogstatsd);
      await new Promise((r) => setTimeout(r, 50));
      expect(listener.lines()).toEqual(EXPECTED.dogstatsd);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('STATSD_CLIENT_TELEMETRY=true turns on hot-shots client telemetry (datadog.dogstatsd.client.*)', async () => {
    const listener = await listen('udp');
    const { provider } = providerFor({ ...listener.env, STATSD_CLIENT_TELEMETRY: 'true' });
    await invoke(provider, [DOC]);
    await provider.close();
    const lines = await listener.waitForLines(5);
    expect(lines.slice(0, 4)).toEqual(EXPECTED.dogstatsd.map((l) => l.replace('env:test,', '')));
    expect(lines.slice(4).length).toBeGreaterThan(0);
    for (const l of lines.slice(4)) expect(l).toMatch(/^datadog\.dogstatsd\.client\./);
  });
});

describe('what cannot be sent', () => {
  it('UDP: a datagram the OS refuses as too large is a permanent failure with a reason (never retried)', async () => {
    const listener = await listen('udp');
    const transport = new HotShotsTransport(loadStatsdConfig(listener.env).transport);
    providers.push(transport);
    const result = await transport.sendAll([`big:1|c|#t:${'x'.repeat(70_000)}`], new AbortController().signal);
    expect(result).toMatchObject({ status: 'failure', reason: 'statsd_datagram_too_large' });
    expect((result as { error: Error }).error.message).toMatch(/EMSGSIZE/);
  });

  it('translation problems are counted and logged once per send; the rest is delivered', async () => {
    const listener = await listen('udp');
    const { provider } = providerFor(listener.env);
    const { response, logger } = await invoke(provider, [{ ...DOC, _aws: { ...DOC._aws, CloudWatchMetrics: [{ Namespace: 'Shop', Dimensions: [['Service']], Metrics: [{ Name: 'Huge', Unit: 'Seconds' }, { Name: 'Orders', Unit: 'Count' }] }] }, Huge: 1e306 }]);
    expect(response.batchItemFailures).toEqual([]);
    expect(await listener.waitForLines(1)).toEqual(['Shop.Orders:2|c|#Service:checkout']);
    const notes = logger.entries.filter((e) => e.message === 'statsd translation notes');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.fields.counts).toEqual({ value_not_finite: 1 });
  });
});

describe('controls: the completion checks above catch a send that was not awaited', () => {
  // Not for UDS: unix-dgram calls back inside send(), so a UDS send has completed when it returns.
  it.each(['udp', 'tcp'] as const)('%s: right after a send that is not awaited, the client has it in flight', async (protocol) => {
    const listener = await listen(protocol);
    const clients: HotShotsClient[] = [];
    const transport = new HotShotsTransport(loadStatsdConfig(listener.env).transport, (o) => {
      const c = new StatsD(o);
      clients.push(c);
      return c;
    });
    providers.push(transport);
    const sent = transport.sendAll(['control.metric:1|c'], new AbortController().signal); // not awaited yet
    expect(clients.map((c) => (c as unknown as { messagesInFlight: number }).messagesInFlight)).toEqual([1]);
    expect(await sent).toEqual({ status: 'success' });
    expect(await listener.waitForLines(1)).toEqual(['control.metric:1|c']);
  });

  it('tcp: a send abandoned before it completed never arrives', async () => {
    const listener = await listen('tcp');
    const transport = new HotShotsTransport(loadStatsdConfig(listener.env).transport);
    void transport.sendAll(['control.metric:1|c'], new AbortController().signal); // not awaited
    transport.abandon();
    await new Promise((r) => setTimeout(r, 300));
    expect(listener.lines()).toEqual([]);
  });
});
