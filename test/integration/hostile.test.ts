/**
 * Hostile lines never cost their neighbours (issue 18, points 1, 2 and 4):
 * - the forwarder, given 1,000 valid lines from the real producers plus one of each hostile line, forwards
 *   the valid ones to a real stream (kinesalite) and reports each hostile line under its reason;
 * - the consumer handler never throws for what a record holds, and keys named `__proto__` are members
 *   like any other.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadForwarderConfig } from '../../functions/forwarder/config.ts';
import { createForwarderHandler, type ForwarderSummary } from '../../functions/forwarder/forwarder.ts';
import { createTranslator } from '../../functions/consumers/prometheus/translate.ts';
import { createConsumerHandler } from '../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../shared/consumer/summary.ts';
import { fakeLambdaContext, kinesisEventFromRecords, recordData } from '../../shared/consumer/testing/kinesisEvent.ts';
import type { MetricDatum } from '../../shared/consumer/types.ts';
import { createKinesisClient } from '../../shared/kinesis/client.ts';
import { createMemoryLogger } from '../../shared/log/logger.ts';
import { decodeRecord } from '../../shared/record/format.ts';
import { getFixtureLines, toSubscriptionEvent, type FixtureLine } from '../fixtures/generate.ts';
import { InMemoryProvider } from '../helpers/InMemoryProvider.ts';
import { startKinesalite, TEST_CREDENTIALS, type Kinesalite } from '../helpers/kinesalite.ts';

/** An array nested `depth` levels: JSON.parse reads 100,000; JSON.stringify overflows the stack at about 5,000. */
const deep = (depth = 20_000) => '['.repeat(depth) + ']'.repeat(depth);

const TS = Date.now() - 60_000;
const directive = (extra = '') => `{"Namespace":"Hostile","Dimensions":[["Service"]],"Metrics":[{"Name":"Hits","Unit":"Count"${extra}}]}`;
/** A document of `sets` dimension sets × `metrics` metric definitions (80,000 × 100: 8,000,000 data from under 1 MB). */
const amplifier = (sets: number, metrics: number) => {
  const names = Array.from({ length: metrics }, (_, i) => `M${i}`);
  return `{"_aws":{"Timestamp":${TS},"CloudWatchMetrics":[{"Namespace":"Hostile","Dimensions":[${Array(sets).fill('["A"]').join(',')}],"Metrics":[${names.map((n) => `{"Name":"${n}"}`).join(',')}]}]},"A":"a",${names.map((n) => `"${n}":1`).join(',')}}`;
};

/** One hostile line per finding, with the reason the forwarder must report it under. */
const HOSTILE: [string, string][] = [
  [`{"_aws":{"Timestamp":${deep()},"CloudWatchMetrics":[${directive()}]},"Service":"s","Hits":1}`, 'timestamp_invalid'],
  [`{"_aws":{"Timestamp":${TS},"CloudWatchMetrics":[${directive(`,"Unit2":0`).replace('"Unit":"Count"', `"Unit":${deep()}`)}]},"Service":"s","Hits":1}`, 'unit_invalid'],
  [`{"_aws":{"Timestamp":${TS},"CloudWatchMetrics":[{"Namespace":"Hostile","Dimensions":[[${deep()}]],"Metrics":[{"Name":"Hits"}]}]},"Service":"s","Hits":1}`, 'dimensions_invalid'],
  // Lambda's JSON log format, its `message` an EMF object with a member nested too deep to write back as text.
  [`{"timestamp":"2026-12-06T10:00:00.000Z","level":"INFO","requestId":"r-1","message":{"_aws":{"Timestamp":${TS},"CloudWatchMetrics":[${directive()}]},"Service":"s","Hits":1,"payload":${deep()}}}`, 'json_too_deep'],
  [amplifier(80_000, 100), 'document_too_many_metrics'],
];

let k: Kinesalite;
let lines: FixtureLine[];
beforeAll(async () => {
  [k, lines] = await Promise.all([startKinesalite(), getFixtureLines()]);
});
afterAll(async () => {
  await k?.close();
});

describe('the forwarder and hostile lines', () => {
  it('forwards 1,000 valid lines around one of each hostile line, and reports each hostile line under its reason', async () => {
    const valid = lines.filter((l) => l.expect.kind === 'emf');
    const messages: { message: string; emf?: string }[] = [];
    for (let i = 0; messages.length < 1_000; i++) {
      const l = valid[i % valid.length]!;
      messages.push({ message: l.message, emf: (l.expect as { emf: string }).emf });
    }
    // The hostile lines among them, not at the ends.
    HOSTILE.forEach(([message], i) => messages.splice(100 + i * 200, 0, { message }));
    const stream = 'hostile';
    await k.createStream(stream, 1);
    const summaries: ForwarderSummary[] = [];
    const handler = createForwarderHandler({
      config: loadForwarderConfig({ KINESIS_STREAM_NAME: stream, AWS_REGION: 'eu-west-1', PLATFORM_METRICS: 'false' }),
      kinesis: createKinesisClient({ region: 'eu-west-1', endpoint: k.endpoint, credentials: TEST_CREDENTIALS }),
      logger: createMemoryLogger(),
      onSummary: (s) => summaries.push(s),
      retryMinTimeoutMs: 5,
    });
    await handler(toSubscriptionEvent({
      logGroup: '/aws/lambda/hostile', logStream: '2026/12/06/[$LATEST]h',
      events: messages.map((m, i) => ({ id: String(i).padStart(56, '0'), timestamp: TS + i, message: m.message })),
    }), fakeLambdaContext());

    const [s] = summaries;
    expect(s!.rejected).toEqual(Object.fromEntries(HOSTILE.map(([, reason]) => [reason, 1])));
    expect(s!.forwardedDocuments).toBe(1_000);
    const forwarded = (await k.readAll(stream)).flatMap((r) => decodeRecord(r.data).documents.map((d) => d.emf));
    expect(forwarded).toEqual(messages.filter((m) => m.emf !== undefined).map((m) => JSON.parse(m.emf!)));
  });
});

async function consume(records: Buffer[]): Promise<{ summary: ConsumerSummary; data: MetricDatum[]; event: KinesisStreamEvent }> {
  const provider = new InMemoryProvider();
  let summary: ConsumerSummary | undefined;
  const event = kinesisEventFromRecords(records);
  const handler = createConsumerHandler(provider, { env: {}, logger: createMemoryLogger(), onSummary: (x) => (summary = x) });
  expect(await handler(event, fakeLambdaContext())).toEqual({ batchItemFailures: [] });
  return { summary: summary!, data: provider.delivered, event };
}

describe('the consumer handler and hostile records (written by another producer)', () => {
  const doc = (body: string) => ({ emf: `{"_aws":{"Timestamp":${TS},"CloudWatchMetrics":[${directive()}]},${body}}`, timestamp: TS });

  it('a Timestamp, Unit, dimension value or property nested 20,000 deep: counted with a bounded description, the neighbours delivered, no throw', async () => {
    const records = [
      recordData([doc('"Service":"ok","Hits":1'), { emf: `{"_aws":{"Timestamp":${deep()},"CloudWatchMetrics":[${directive()}]},"Service":"s","Hits":2}`, timestamp: TS }]),
      recordData([{ emf: `{"_aws":{"Timestamp":${TS},"CloudWatchMetrics":[${directive().replace('"Unit":"Count"', `"Unit":${deep()}`)}]},"Service":"s","Hits":3}`, timestamp: TS }]),
      recordData([doc(`"Service":${deep()},"Hits":4`), doc(`"Service":"ok","Hits":5,"payload":${deep()}`)]),
    ];
    const { summary, data } = await consume(records);
    expect(summary.dropped).toEqual({});
    expect(summary.warnings).toEqual({ document_timestamp_invalid: 1, metric_unit_invalid: 1, dimension_value_invalid: 1 });
    expect(summary.examples.document_timestamp_invalid).toContain('is an array of 1 item');
    expect(Object.values(summary.examples).every((e) => e.length <= 301)).toBe(true);
    expect(data.map((d) => d.value)).toEqual([1, 2, 3, 4, 5]);
    expect(data[1]!.timestamp).toBe(TS); // the log event's timestamp instead
    expect(Array.isArray(data[4]!.properties.payload)).toBe(true);
  });

  it('a document defining more than 1,000 metrics (80,000 dimension sets × 100 metrics) is dropped with its reason; 1,000 are delivered', async () => {
    const { summary, data } = await consume([recordData([doc('"Service":"ok","Hits":1'), { emf: amplifier(80_000, 100), timestamp: TS }, { emf: amplifier(10, 100), timestamp: TS }])]);
    expect(summary.dropped).toEqual({ document_too_many_metrics: 1 });
    expect(data).toHaveLength(1 + 1_000);
  });

  it('`__proto__` as a dimension is a dimension like any other (two values, two series); as a property it never replaces the prototype', async () => {
    const protoDirective = '{"Namespace":"Hostile","Dimensions":[["__proto__"]],"Metrics":[{"Name":"Hits","Unit":"Count"}]}';
    const emf = (value: string, extra = '') => ({ emf: `{"_aws":{"Timestamp":${TS},"CloudWatchMetrics":[${protoDirective}]},"__proto__":"${value}","Hits":1${extra}}`, timestamp: TS });
    const { summary, data } = await consume([
      recordData([emf('a'), emf('b')]),
      recordData([doc('"Service":"s","Hits":1,"__proto__":{"Team":"spoofed"}')]),
    ]);
    expect(summary.dropped).toEqual({});
    expect(summary.warnings).toEqual({});
    expect(data.slice(0, 2).map((d) => Object.entries(d.dimensions))).toEqual([[['__proto__', 'a']], [['__proto__', 'b']]]);
    expect(Object.getPrototypeOf(data[2]!.properties)).toBe(Object.prototype);
    expect((data[2]!.properties as Record<string, unknown>).Team).toBeUndefined();
    expect(Object.keys(data[2]!.properties)).toEqual(['__proto__']);
    // And they stay two series in Prometheus.
    const t = createTranslator({ mode: 'samples' }).translate(data.slice(0, 2));
    expect(t.series).toBe(2);
  });
});
