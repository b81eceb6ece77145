/**
 * The forwarder's own metrics (docs/monitoring.md): one document per invocation with the numbers of its
 * summary, also when the Kinesis write fails, none with PIPELINE_METRICS=false; and no loop: a pipeline
 * metrics document logged by the forwarder or a consumer and delivered back to the forwarder is skipped
 * (loop guard), never forwarded. Kinesis is kinesalite behind the real SDK client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadForwarderConfig } from '../../../functions/forwarder/config.ts';
import { createForwarderHandler, type ForwarderSummary } from '../../../functions/forwarder/forwarder.ts';
import { KinesisWriteError } from '../../../functions/forwarder/writeRecords.ts';
import { discoverConsumers } from '../../../infra/serverless/registry.ts';
import { forwarderExcludes } from '../../../infra/serverless/subscriptions.ts';
import { createKinesisClient } from '../../../shared/kinesis/client.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { consumerMetricsDocuments } from '../../../shared/pipeline/PipelineMetrics.ts';
import { decodeRecord } from '../../../shared/record/format.ts';
import { pipelineNames } from '../../../shared/subscriptions/naming.ts';
import { toSubscriptionEvent } from '../../fixtures/subscription.ts';
import { injectPartialFailures } from '../../helpers/injectPartialFailures.ts';
import { fakeLambdaContext } from '../../helpers/kinesisEvent.ts';
import { startKinesalite, TEST_CREDENTIALS, type Kinesalite } from '../../helpers/kinesalite.ts';
import { readDocuments } from '../pipeline/readBack.ts';

let k: Kinesalite;
beforeAll(async () => {
  k = await startKinesalite();
});
afterAll(async () => {
  await k?.close();
});

const SERVICE = 'emf-fanout';
const STAGE = 'dev';
const names = pipelineNames(SERVICE, STAGE);
const OWN_LOG_GROUP = `/aws/lambda/${names.forwarderFunctionName}`;

/** The forwarder as deployed: EXCLUDE_LOG_GROUPS as the stack sets it, its own log group as Lambda sets it. */
function forwarder(stream: string, env: Record<string, string> = {}) {
  const config = loadForwarderConfig({
    KINESIS_STREAM_NAME: stream, AWS_REGION: 'eu-west-1', AWS_LAMBDA_FUNCTION_NAME: names.forwarderFunctionName,
    AWS_LAMBDA_LOG_GROUP_NAME: OWN_LOG_GROUP, EXCLUDE_LOG_GROUPS: forwarderExcludes({ service: SERVICE, stage: STAGE, exclude: [] }), ...env,
  });
  const kinesis = createKinesisClient({ endpoint: k.endpoint, region: config.region, credentials: TEST_CREDENTIALS });
  const lines: string[] = [];
  const summaries: ForwarderSummary[] = [];
  const handler = createForwarderHandler({
    config, kinesis, logger: createMemoryLogger(), retryMinTimeoutMs: 1,
    onSummary: (s) => summaries.push(structuredClone(s)), metricsSink: (l) => lines.push(l),
  });
  return { handler, kinesis, lines, summaries };
}

const emf = (i: number, pad = 0) =>
  JSON.stringify({ _aws: { Timestamp: 1_765_000_000_000 + i, CloudWatchMetrics: [{ Namespace: 'Shop', Dimensions: [['Service']], Metrics: [{ Name: 'Orders', Unit: 'Count' }] }] }, Service: 'cart', Orders: i, Note: 'x'.repeat(pad) });

describe('forwarder pipeline metrics', () => {
  it('prints one document per invocation holding exactly the numbers of its summary', async () => {
    await k.createStream('pm-ok', 1);
    const f = forwarder('pm-ok');
    const event = toSubscriptionEvent({
      logGroup: '/aws/lambda/orders', logStream: 's1',
      events: [
        { message: emf(1) }, { message: emf(2) }, { message: 'plain text' },
        { message: '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Missing"]],"Metrics":[{"Name":"m"}]}]},"m":1}' },
      ],
    });
    await f.handler(event, fakeLambdaContext());
    expect(f.lines).toHaveLength(1);
    const s = f.summaries[0]!;
    expect(Object.fromEntries(readDocuments(f.lines))).toEqual({
      // EmfDocuments: the valid ones (as the summary counts); the invalid one is under DocumentsRejected.
      LogEvents: 4, EmfDocuments: 2, PlatformDocuments: 0, DocumentsForwarded: 2, Records: 1, KinesisRetries: 0,
      DocumentsRejected: 1, 'DocumentsRejected.dimension_missing': 1, EventsSkipped: 0,
    });
    // The same numbers as the summary logged as "forwarder batch", and as the stream holds.
    expect([s.logEvents, s.forwardedDocuments, s.records, s.rejected]).toEqual([4, 2, 1, { dimension_missing: 1 }]);
    const stream = await k.readAll('pm-ok');
    expect(stream).toHaveLength(1);
    expect(decodeRecord(stream[0]!.data).documents).toHaveLength(2);
  });

  it('prints nothing with PIPELINE_METRICS=false', async () => {
    await k.createStream('pm-off', 1);
    const f = forwarder('pm-off', { PIPELINE_METRICS: 'false' });
    await f.handler(toSubscriptionEvent({ logGroup: '/aws/lambda/orders', logStream: 's', events: [{ message: emf(1) }] }), fakeLambdaContext());
    expect(f.summaries).toHaveLength(1);
    expect(f.lines).toEqual([]);
  });

  it('still publishes when the write fails and the handler throws: the records Kinesis took, the documents they hold', async () => {
    await k.createStream('pm-fail', 1);
    // No compression and 1 KiB records: one document per record, four records in one PutRecords call.
    const f = forwarder('pm-fail', { RECORD_COMPRESSION: 'none', RECORD_TARGET_BYTES: '1024', KINESIS_RETRY_ATTEMPTS: '1' });
    // The third entry fails, and so does its retry.
    injectPartialFailures(f.kinesis, (call, entry) => call > 0 || entry === 2);
    const event = toSubscriptionEvent({ logGroup: '/aws/lambda/orders', logStream: 's', events: [0, 1, 2, 3].map((i) => ({ message: emf(i, 600) })) });
    const thrown = await f.handler(event, fakeLambdaContext()).then(() => undefined, (e: unknown) => e);
    expect(thrown).toBeInstanceOf(KinesisWriteError);
    expect(f.summaries).toEqual([]);
    expect(f.lines).toHaveLength(1);
    const m = readDocuments(f.lines);
    const inStream = (await k.readAll('pm-fail')).map((r) => decodeRecord(r.data).documents.length);
    expect(inStream).toEqual([1, 1, 1]);
    expect(m.get('Records')).toBe(3);
    expect(m.get('DocumentsForwarded')).toBe(3);
    expect(m.get('LogEvents')).toBe(4);
    expect(m.get('EmfDocuments')).toBe(4);
    expect(m.get('DocumentsRejected')).toBe(0);
  });
});

describe('no loop: the pipeline never forwards its own metrics', () => {
  it('skips a pipeline metrics document delivered from the forwarder\'s or any consumer\'s log group (loop guard), and says so in its own metrics', async () => {
    await k.createStream('pm-loop', 1);
    const consumers = (await discoverConsumers()).map((c) => c.functionKey);
    expect(consumers).toEqual(expect.arrayContaining(['prometheus', 'statsd', 'example-http']));
    const ownGroups = [OWN_LOG_GROUP, ...consumers.map((c) => `/aws/lambda/${SERVICE}-${STAGE}-${c}`), `/aws/lambda/${SERVICE}-prod-statsd`];
    const f = forwarder('pm-loop');
    // What the functions print: the forwarder's document (from a first invocation) and a consumer's.
    await f.handler(toSubscriptionEvent({ logGroup: '/aws/lambda/orders', logStream: 's', events: [{ message: 'plain' }] }), fakeLambdaContext());
    const metricsLines = [
      f.lines[0]!.trimEnd(),
      ...consumerMetricsDocuments(
        { records: 1, documents: 1, data: 1, delivered: 1, dropped: {}, dataDropped: 0, calls: 1, retries: 0, duplicates: { documents: 0, data: 0 }, lag: { documents: 1, valuesMs: [850] } },
        { functionName: 'emf-fanout-dev-statsd', timestamp: 1 },
      ),
    ];
    for (const logGroup of ownGroups) {
      f.lines.length = 0;
      const summary = await f.handler(toSubscriptionEvent({ logGroup, logStream: '2026/12/06/[$LATEST]abc', events: metricsLines.map((message) => ({ message })) }), fakeLambdaContext());
      expect(summary.skipped, logGroup).toEqual({ loop_guard: 2 });
      expect(summary.forwardedDocuments).toBe(0);
      const m = readDocuments(f.lines);
      expect([m.get('EventsSkipped'), m.get('EventsSkipped.loop_guard'), m.get('DocumentsForwarded')]).toEqual([2, 2, 0]);
    }
    expect(await k.readAll('pm-loop')).toEqual([]);
  });

  it('skips its own log group even with no EXCLUDE_LOG_GROUPS (AWS_LAMBDA_LOG_GROUP_NAME alone)', async () => {
    await k.createStream('pm-own', 1);
    const f = forwarder('pm-own', { EXCLUDE_LOG_GROUPS: '' });
    await f.handler(toSubscriptionEvent({ logGroup: '/aws/lambda/orders', logStream: 's', events: [{ message: 'plain' }] }), fakeLambdaContext());
    const summary = await f.handler(toSubscriptionEvent({ logGroup: OWN_LOG_GROUP, logStream: 's', events: [{ message: f.lines[0]!.trimEnd() }] }), fakeLambdaContext());
    expect(summary.skipped).toEqual({ loop_guard: 1 });
    expect(await k.readAll('pm-own')).toEqual([]);
  });
});
