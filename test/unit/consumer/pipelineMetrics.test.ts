/**
 * The consumer handler publishes its pipeline metrics (docs/monitoring.md#what-is-published): one EMF document
 * per invocation, holding the invocation's own summary, read back with the project's EMF validator and decoder.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { InMemoryProvider } from '../../helpers/InMemoryProvider.ts';
import { fakeLambdaContext, kinesisEventFromRecords as kinesisEvent } from '../../helpers/kinesisEvent.ts';
import { readDocuments } from '../pipeline/readBack.ts';
import { FAST, rec, retryable } from './handlerKit.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

function consumer(env: Record<string, string>, provider = new InMemoryProvider({ name: 'mem' })) {
  const lines: string[] = [];
  const summaries: ConsumerSummary[] = [];
  const handler = createConsumerHandler(provider, {
    env, logger: createMemoryLogger(), retry: FAST, metricsSink: (l) => void lines.push(l), onSummary: (s) => void summaries.push(s),
  });
  return { handler, lines, summaries, provider };
}

describe('the consumer handler publishes its pipeline metrics', () => {
  it('one document per invocation, holding that invocation’s numbers, duplicates and redelivery included', async () => {
    const c = consumer({ AWS_LAMBDA_FUNCTION_NAME: 'emf-fanout-dev-mem' });
    const event = kinesisEvent([rec(['a', 'b']), rec(['c'])]);
    c.provider.always(retryable()); // every attempt of the first invocation fails: all redelivered
    await c.handler(event, fakeLambdaContext());
    c.provider.always({ status: 'success' });
    await c.handler(event, fakeLambdaContext());
    await c.handler(event, fakeLambdaContext()); // the same batch again: every document a duplicate

    expect(c.lines).toHaveLength(3);
    for (const l of c.lines) expect(l.endsWith('\n')).toBe(true);
    const docs = c.lines.map((l) => readDocuments([l]));
    for (const d of c.lines.map((l) => JSON.parse(l) as { FunctionName: string })) expect(d.FunctionName).toBe('emf-fanout-dev-mem');

    expect(docs[0]!.get('Records')).toBe(2);
    expect(docs[0]!.get('DataDelivered')).toBe(0);
    expect(docs[0]!.get('RecordsRedelivered')).toBe(2);
    expect(docs[0]!.get('ProviderRetries')).toBe(c.summaries[0]!.retries);
    expect(docs[1]!.get('DataDelivered')).toBe(3);
    expect(docs[1]!.get('RecordsRedelivered')).toBe(0);
    expect(docs[1]!.get('DuplicateDocuments')).toBe(0);
    expect(docs[1]!.get('Lag')).toEqual(c.summaries[1]!.lag.valuesMs);
    expect(c.summaries[1]!.lag.documents).toBe(2);
    expect(docs[2]!.get('DuplicateDocuments')).toBe(2);
    expect(docs[2]!.get('DataDelivered')).toBe(0);
    expect(docs[2]!.get('DataDropped')).toBe(0);
  });

  it('PIPELINE_METRICS=false publishes nothing; a bad value fails at creation, naming it', async () => {
    const off = consumer({ PIPELINE_METRICS: 'false' });
    await off.handler(kinesisEvent([rec(['a'])]), fakeLambdaContext());
    expect(off.provider.delivered).toHaveLength(1);
    expect(off.lines).toEqual([]);
    expect(() => consumer({ PIPELINE_METRICS: 'yes please' })).toThrow(/PIPELINE_METRICS/);
  });

  it('in Lambda (AWS_LAMBDA_FUNCTION_NAME set) the default sink is standard output; elsewhere nothing is printed', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (written.push(String(s)), true));
    const inLambda = createConsumerHandler(new InMemoryProvider({ name: 'mem' }), { env: { AWS_LAMBDA_FUNCTION_NAME: 'fn' }, logger: createMemoryLogger() });
    await inLambda(kinesisEvent([rec(['a'])]), fakeLambdaContext());
    const local = createConsumerHandler(new InMemoryProvider({ name: 'mem' }), { env: {}, logger: createMemoryLogger() });
    await local(kinesisEvent([rec(['a'])]), fakeLambdaContext());
    vi.restoreAllMocks();
    expect(written).toHaveLength(1);
    expect(readDocuments(written).get('DataDelivered')).toBe(1);
  });
});
