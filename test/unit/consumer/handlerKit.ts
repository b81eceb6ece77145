/** What the consumer handler's unit tests share: a record of one document, and one invocation of the real handler. */
import type { KinesisStreamEvent } from 'aws-lambda';
import { createConsumerHandler, type ConsumerHandlerOptions } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import type { AnyProvider, SendResult } from '../../../shared/consumer/types.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import type { InMemoryProvider } from '../../helpers/InMemoryProvider.ts';
import { fakeLambdaContext, recordData } from '../../helpers/kinesisEvent.ts';
/** One record holding one document with one metric per name (values 1, 2, …). */
export function rec(names: readonly string[], compression: 'gzip' | 'none' = 'gzip'): Buffer {
  const emf: Record<string, unknown> = {
    _aws: { Timestamp: 1_700_000_000_000, CloudWatchMetrics: [{ Namespace: 'T', Dimensions: [['Service']], Metrics: names.map((Name) => ({ Name })) }] },
    Service: 'svc',
  };
  names.forEach((n, i) => (emf[n] = i + 1));
  return recordData([{ emf }], {}, compression);
}

export const retryable = (msg = 'receiver unavailable', retryAfterMs?: number): SendResult =>
  retryAfterMs === undefined ? { status: 'retryable', error: new Error(msg) } : { status: 'retryable', error: new Error(msg), retryAfterMs };
export const FAST = { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5, randomize: false };

export async function invoke(provider: AnyProvider, event: KinesisStreamEvent, opts: Partial<ConsumerHandlerOptions> = {}, remainingMs = 30_000) {
  const logger = createMemoryLogger();
  let summary: ConsumerSummary | undefined;
  const handler = createConsumerHandler(provider, { env: {}, logger, retry: FAST, ...opts, onSummary: (s) => (summary = s) });
  const response = await handler(event, fakeLambdaContext({ remainingMs }));
  return { response, summary: summary!, logger };
}

export const seq = (event: KinesisStreamEvent, i: number) => event.Records[i]!.kinesis.sequenceNumber;
export const names = (p: InMemoryProvider) => p.delivered.map((d) => d.name);
