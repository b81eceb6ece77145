/**
 * Property-based tests: whatever bytes or JSON arrive, the forwarder either processes the batch with
 * every event accounted for, or throws one of the documented DecodeErrors — nothing else.
 */
import { gzipSync } from 'node:zlib';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { fuzzRuns } from '../helpers/fuzzRuns.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadForwarderConfig } from '../../functions/forwarder/config.ts';
import { createForwarderHandler } from '../../functions/forwarder/forwarder.ts';
import { DecodeError } from '../../shared/errors.ts';
import { detectEmf } from '../../shared/emf/detect.ts';
import { createMemoryLogger } from '../../shared/log/logger.ts';
import { recordDocumentTexts } from '../../shared/record/documentTexts.ts';
import { decodeRecord } from '../../shared/record/format.ts';
import { fakeLambdaContext } from '../../shared/consumer/testing/kinesisEvent.ts';

const DOCUMENTED = new Set([
  'event_shape_invalid', 'payload_base64_invalid', 'payload_gzip_invalid', 'payload_too_large', 'payload_json_invalid', 'payload_shape_invalid',
]);

const kinesisMock = mockClient(KinesisClient);
beforeEach(() => {
  kinesisMock.reset();
  kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
    FailedRecordCount: 0,
    Records: (input.Records ?? []).map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })),
  }));
});

const handler = createForwarderHandler({
  config: loadForwarderConfig({ KINESIS_STREAM_NAME: 's', AWS_REGION: 'us-east-1', MAX_DECOMPRESSED_BYTES: '1048576' }),
  kinesis: new KinesisClient({ region: 'us-east-1' }),
  logger: createMemoryLogger(),
});

async function run(event: unknown) {
  try {
    return await handler(event, fakeLambdaContext());
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    expect(DOCUMENTED.has((err as DecodeError).reason)).toBe(true);
    return undefined;
  }
}

const payloadWith = (messages: string[]) => ({
  awslogs: {
    data: gzipSync(JSON.stringify({
      messageType: 'DATA_MESSAGE', owner: '123456789012', logGroup: '/aws/lambda/fuzz', logStream: 's', subscriptionFilters: [],
      logEvents: messages.map((message, i) => ({ id: String(i), timestamp: 1_763_900_000_000 + i, message })),
    })).toString('base64'),
  },
});

describe('forwarder under arbitrary input', () => {
  it('arbitrary bytes as awslogs.data, raw or gzipped, give only documented errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), async (bytes, gz) => {
        const data = (gz ? gzipSync(bytes) : Buffer.from(bytes)).toString('base64');
        await run({ awslogs: { data } });
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('arbitrary events and arbitrary JSON payloads give only documented errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.anything(), async (json, anything) => {
        await run({ awslogs: { data: gzipSync(JSON.stringify(json) ?? 'null').toString('base64') } });
        await run(anything);
        await run({ awslogs: anything });
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('arbitrary log messages are each accounted for exactly once, and only valid EMF is forwarded', async () => {
    const emfish = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
      fc.record({ _aws: fc.jsonValue() }, { requiredKeys: [] }).chain((o) => fc.dictionary(fc.string(), fc.jsonValue()).map((d) => JSON.stringify({ ...d, ...o }))),
      fc.string().map((s) => `2026-11-23T10:00:00.000Z\tr\tINFO\t{"_aws":${s}`),
      fc.string().map((s) => `REPORT RequestId: ${s}\tDuration: 1 ms`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(emfish, { maxLength: 20 }), async (messages) => {
        kinesisMock.resetHistory();
        const summary = await handler(payloadWith(messages), fakeLambdaContext());
        const rejected = Object.values(summary.rejected).reduce((a, b) => a + b, 0);
        expect(summary.emfDocuments + summary.platformLines + summary.plainLines + rejected).toBe(messages.length);
        const forwarded = kinesisMock.commandCalls(PutRecordsCommand)
          .flatMap((c) => c.args[0].input.Records ?? [])
          .flatMap((r) => {
            const texts = recordDocumentTexts(r.Data!);
            return decodeRecord(r.Data!).documents.map((d, i) => ({ ...d, text: texts[i]! }));
          });
        const emf = forwarded.filter((d) => d.origin === 'emf');
        expect(emf.length).toBe(summary.emfDocuments);
        for (const d of emf) {
          expect(detectEmf(d.text)).toMatchObject({ kind: 'emf', text: d.text });
          expect(d.emf).toEqual(JSON.parse(d.text));
        }
      }),
      { numRuns: fuzzRuns(300) },
    );
  });
});

describe('forwarder detection of hostile documents', () => {
  const nested = fc.tuple(fc.integer({ min: 1, max: 30_000 }), fc.boolean()).map(([depth, objects]) => (objects ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth)));
  const slots = ['Timestamp', 'Unit', 'StorageResolution', 'Name', 'DimensionKey', 'DimensionValue', 'MetricValue', 'Property', 'Namespace'] as const;

  it('a value of any depth in any place, bare or as the message of a JSON log line: a verdict with a short detail, never a throw', () => {
    fc.assert(fc.property(fc.constantFrom(...slots), nested, fc.boolean(), fc.constantFrom('__proto__', 'constructor', 'Service'), (slot, value, jsonLog, key) => {
      const at = (s: (typeof slots)[number], normal: string) => (slot === s ? value : normal);
      const emf = `{"_aws":{"Timestamp":${at('Timestamp', '1763900000000')},"CloudWatchMetrics":[{"Namespace":${at('Namespace', '"N"')},"Dimensions":[[${at('DimensionKey', JSON.stringify(key))}]],"Metrics":[{"Name":${at('Name', '"M"')},"Unit":${at('Unit', '"Count"')},"StorageResolution":${at('StorageResolution', '60')}}]}]},${JSON.stringify(key)}:${at('DimensionValue', '"v"')},"M":${at('MetricValue', '1')},"p":${at('Property', '"x"')}}`;
      const message = jsonLog ? `{"timestamp":"2026-12-06T10:00:00.000Z","level":"INFO","requestId":"r","message":${emf}}` : emf;
      const found = detectEmf(message);
      expect(['emf', 'invalid', 'plain']).toContain(found.kind);
      if (found.kind === 'invalid') expect(found.detail.length).toBeLessThan(400);
    }), { numRuns: fuzzRuns(300) });
  });
});
