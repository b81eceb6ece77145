import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createExampleHttpProvider, JsonLinesHttpProvider } from '../../../functions/consumers/example-http/JsonLinesHttpProvider.ts';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../../functions/consumers/example-http/config.ts';
import { createSecretResolver } from '../../../shared/secrets/secretResolver.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import { datumKey } from '../../../shared/consumer/testing/contractBatch.ts';
import { describeProviderContract } from '../../../shared/consumer/testing/providerContract.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/httpReceiver.ts';
import { fakeLambdaContext, kinesisEventFromRecords, recordData } from '../../helpers/kinesisEvent.ts';

let receiver: HttpReceiver;
beforeAll(async () => {
  receiver = await startHttpReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => receiver.clear());

const event = (): KinesisStreamEvent =>
  kinesisEventFromRecords([
    recordData([
      {
        id: 'ev-1',
        emf: {
          _aws: { Timestamp: 1_700_000_000_000, CloudWatchMetrics: [{ Namespace: 'Shop', Dimensions: [['Service']], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }, { Name: 'Orders', Unit: 'Count' }] }] },
          Service: 'cart',
          Latency: [12, 15],
          Orders: 1,
          traceId: 't-1',
        },
      },
    ]),
  ]);

async function invoke(env: Record<string, string>, remainingMs = 30_000, safetyMarginMs?: number) {
  let summary: ConsumerSummary | undefined;
  const ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand, { Name: '/example/auth', WithDecryption: true }).resolves({ Parameter: { Value: 'Bearer s3cret' } });
  const provider = await createExampleHttpProvider(loadConfig({ EXAMPLE_HTTP_URL: receiver.url, ...env }), createSecretResolver({ ssm: new SSMClient({ region: 'eu-west-1' }) }));
  ssm.restore();
  const handler = createConsumerHandler(provider, {
    env: {},
    logger: createMemoryLogger(),
    retry: { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5 },
    ...(safetyMarginMs === undefined ? {} : { safetyMarginMs }),
    onSummary: (s) => (summary = s),
  });
  const e = event();
  const response = await handler(e, fakeLambdaContext({ remainingMs }));
  return { response, summary: summary!, sequenceNumber: e.Records[0]!.kinesis.sequenceNumber };
}

describe('JsonLinesHttpProvider against a real HTTP server', () => {
  it('200: posts one JSON line per datum as application/x-ndjson', async () => {
    const { response, summary } = await invoke({ EXAMPLE_HTTP_AUTHORIZATION_REF: 'ssm:/example/auth' });
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.delivered).toBe(2);
    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/x-ndjson');
    expect(req.headers.authorization).toBe('Bearer s3cret');
    expect(req.body.endsWith('\n')).toBe(true);
    const lines = req.body.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.namespace, l.name, l.unit, l.dimensions, l.value, l.properties, l.source.eventId])).toEqual([
      ['Shop', 'Latency', 'Milliseconds', { Service: 'cart' }, [12, 15], { traceId: 't-1' }, 'ev-1'],
      ['Shop', 'Orders', 'Count', { Service: 'cart' }, 1, { traceId: 't-1' }, 'ev-1'],
    ]);
  });

  it('500: retried, then delivered', async () => {
    receiver.script({ status: 500, body: 'boom' });
    const { response, summary } = await invoke({});
    expect(response.batchItemFailures).toEqual([]);
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 200]);
    expect(summary).toMatchObject({ delivered: 2, retries: 1 });
  });

  it('429 with Retry-After: the next request waits at least the hinted second', async () => {
    receiver.script({ status: 429, headers: { 'retry-after': '1' }, body: 'slow down' });
    const { response } = await invoke({});
    expect(response.batchItemFailures).toEqual([]);
    const [first, second] = receiver.requests;
    expect([first!.status, second!.status]).toEqual([429, 200]);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(999);
  });

  it('400: dropped with reason http_400 and the receiver\'s message, not retried, not blocking', async () => {
    receiver.script({ status: 400, body: 'line 1: unknown field' });
    const { response, summary } = await invoke({});
    expect(response.batchItemFailures).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
    expect(summary).toMatchObject({ delivered: 0, dropped: { http_400: 2 }, dataDropped: 2 });
    expect(summary.examples.http_400).toContain('line 1: unknown field');
  });

  it('a hanging receiver is aborted at the deadline and the record is reported for redelivery', async () => {
    receiver.setFallback('hang');
    const { response, summary, sequenceNumber } = await invoke({}, 1_500, 500);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber }]);
    // The hung attempt used up the time: no second attempt could fit.
    expect(receiver.requests).toHaveLength(1);
    expect(summary.redelivery).toMatchObject({ stoppedBy: 'deadline', error: expect.stringMatching(/request failed.*deadline/) });
  });

  it('a refused connection is retryable and ends in a batch item failure', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    let summary: ConsumerSummary | undefined;
    const handler = createConsumerHandler(new JsonLinesHttpProvider(loadConfig({ EXAMPLE_HTTP_URL: `http://127.0.0.1:${port}/` })), {
      env: {},
      logger: createMemoryLogger(),
      retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
      onSummary: (s) => (summary = s),
    });
    const e = event();
    const response = await handler(e, fakeLambdaContext({ remainingMs: 10_000 }));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: e.Records[0]!.kinesis.sequenceNumber }]);
    expect(summary!.redelivery).toMatchObject({ stoppedBy: 'retries', error: expect.stringContaining('ECONNREFUSED') });
    expect(summary!.calls).toBe(2);
  });
});

describeProviderContract({
  name: 'example-http',
  makeProvider: () => new JsonLinesHttpProvider(loadConfig({ EXAMPLE_HTTP_URL: receiver.url, EXAMPLE_HTTP_MAX_BATCH_SIZE: '5' })),
  received: async () => receiver.acceptedLines().map((l) => datumKey(JSON.parse(l))),
  keysOf: (d) => [datumKey(d)],
  reset: async () => receiver.clear(),
  receiverFaults: {
    retryable: async () => {
      receiver.setFallback({ status: 503, body: 'maintenance' });
      return async () => receiver.setFallback({ status: 200 });
    },
    permanent: async () => {
      receiver.setFallback({ status: 400, body: 'bad request' });
      return async () => receiver.setFallback({ status: 200 });
    },
  },
});
