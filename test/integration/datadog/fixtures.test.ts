/**
 * Documents from the real producers (aws-embedded-metrics, Powertools; test/fixtures) reach the
 * schema-validating intake under the names and tags docs/datadog.md promises: `[Namespace.]Metric` as the
 * StatsD consumer names it, one tag per dimension of the set, lower-cased, and every observation a
 * distribution value (time units in milliseconds), one series per dimension set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatadogProvider } from '../../../functions/consumers/datadog/DatadogProvider.ts';
import { loadDatadogConfig } from '../../../functions/consumers/datadog/config.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { fakeLambdaContext, kinesisEventFromRecords, recordData } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { getFixtureLines } from '../../fixtures/generate.ts';
import { keyOf, startDatadogReceiver, type DatadogReceiver } from '../../helpers/datadogReceiver.ts';

type Json = Record<string, unknown>;
const TIME_TO_MS: Record<string, number> = { Seconds: 1000, Milliseconds: 1, Microseconds: 0.001 };
const ddName = (s: string) => s.replace(/[^A-Za-z0-9_.]/g, '_');
const ddTag = (k: string, v: string) => `${k.toLowerCase().replace(/[^\p{L}0-9_\-./]/gu, '_')}:${v.toLowerCase().replace(/[^\p{L}0-9_\-:./]/gu, '_')}`;

/** The distribution values docs/datadog.md promises for `docs`, by series key `metric{tags}`. */
function expected(docs: readonly Json[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const doc of docs) {
    for (const dir of (doc._aws as Json).CloudWatchMetrics as Json[]) {
      const sets = (dir.Dimensions as string[][] | undefined) ?? [[]];
      for (const set of sets.length ? sets : [[]]) {
        for (const def of dir.Metrics as Json[]) {
          const raw = doc[def.Name as string];
          if (typeof raw === 'object' && !Array.isArray(raw)) throw new Error('statistic sets are not in the producer fixtures; extend this reference first');
          const factor = TIME_TO_MS[(def.Unit as string | undefined) ?? 'None'] ?? 1;
          const key = `${ddName(`${dir.Namespace as string}.${def.Name as string}`)}{${set.map((k) => ddTag(k, doc[k] as string)).sort().join(',')}}`;
          const list = out.get(key) ?? [];
          list.push(...(Array.isArray(raw) ? (raw as number[]) : [raw as number]).map((v) => v * factor));
          out.set(key, list);
        }
      }
    }
  }
  return out;
}

const sorted = (m: Map<string, number[]>) => new Map([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, [...v].sort((x, y) => x - y)]));

describe('datadog: producer fixtures', () => {
  let receiver: DatadogReceiver;
  let docs: Json[];
  beforeAll(async () => {
    receiver = await startDatadogReceiver();
    const now = Date.now();
    docs = (await getFixtureLines())
      .filter((l) => l.expect.kind === 'emf' && l.producer !== 'handwritten')
      .map((l) => JSON.parse((l.expect as { emf: string }).emf) as Json)
      // Within the hour Datadog accepts, whenever the fixture cache was written.
      .map((d, i) => ({ ...d, _aws: { ...(d._aws as Json), Timestamp: now - 60_000 + i } }));
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('every observation of every producer document arrives as a distribution value of its series', async () => {
    expect(docs.length, 'the fixture generator produced EMF documents').toBeGreaterThan(5);
    const provider = new DatadogProvider(loadDatadogConfig({ DD_API_KEY_REF: 'ssm:/dd/key', DD_URL: receiver.url }), receiver.apiKey, keyOf(receiver));
    const handler = createConsumerHandler(provider, { env: {}, logger: createMemoryLogger() });
    const records = [];
    for (let i = 0; i < docs.length; i += 4) records.push(recordData(docs.slice(i, i + 4).map((emf) => ({ emf, timestamp: (emf._aws as Json).Timestamp as number }))));
    const response = await handler(kinesisEventFromRecords(records), fakeLambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(receiver.problems()).toEqual([]);
    expect(sorted(receiver.distributionValues())).toEqual(sorted(expected(docs)));
  });
});
