/** What the de-duplication tests share: documents with fixed identities, and one handler kept like a container. */
import type { KinesisStreamEvent } from 'aws-lambda';
import { createConsumerHandler, type ConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import type { TestDocument } from '../../../shared/consumer/testing/kinesisEvent.ts';
import type { AnyProvider, MetricData, MetricDatum, SendResult, StreamingProvider } from '../../../shared/consumer/types.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { fakeLambdaContext, kinesisEventFromRecords, recordData } from '../../helpers/kinesisEvent.ts';
import { FAST } from './handlerKit.ts';

export const T0 = 1_700_000_000_000;

/** Document `id` with one metric per name (values 1, 2, …), logged at `timestamp`. */
export function doc(id: string, names: readonly string[], timestamp = T0): TestDocument {
  const emf: Record<string, unknown> = {
    _aws: { Timestamp: T0, CloudWatchMetrics: [{ Namespace: 'T', Dimensions: [['Service']], Metrics: names.map((Name) => ({ Name })) }] },
    Service: 'svc',
  };
  names.forEach((n, i) => (emf[n] = i + 1));
  return { id: id.padStart(56, '0'), timestamp, emf };
}

/** An event of one record per group of documents, sequence numbers starting at `first`. */
export function eventOf(records: readonly (readonly TestDocument[])[], first = 1_000_000_000n): KinesisStreamEvent {
  return kinesisEventFromRecords(records.map((docs) => recordData(docs, {}, 'none')), { firstSequenceNumber: first });
}

/** One handler for a whole test, as one container runs it: its memory lasts across invocations. */
export function container(provider: AnyProvider, env: Record<string, string> = {}) {
  const logger = createMemoryLogger();
  const summaries: ConsumerSummary[] = [];
  const handler: ConsumerHandler = createConsumerHandler(provider, { env, logger, retry: FAST, onSummary: (s) => summaries.push(s) });
  return {
    logger,
    summaries,
    async invoke(event: KinesisStreamEvent) {
      const response = await handler(event, fakeLambdaContext({ remainingMs: 30_000 }));
      return { response, summary: summaries.at(-1)! };
    },
  };
}

/** The records from `sequenceNumber` on: what Lambda redelivers after a batch item failure. */
export function from(event: KinesisStreamEvent, sequenceNumber: string): KinesisStreamEvent {
  const i = event.Records.findIndex((r) => r.kinesis.sequenceNumber === sequenceNumber);
  if (i < 0) throw new Error(`sequence number ${sequenceNumber} is not in the event`);
  return { Records: event.Records.slice(i) };
}

/** A streaming provider (it gets the chunk itself) that keeps a copy of every datum of a `send` answered `success`. */
export class CopyingStreamingProvider implements StreamingProvider {
  readonly name = 'copying-streaming';
  readonly streaming = true;
  readonly delivered: MetricDatum[] = [];
  readonly reads: string[][] = [];
  private readonly answers: SendResult[] = [];

  constructor(readonly maxBatchSize: number) {}

  script(...answers: SendResult[]): this {
    this.answers.push(...answers);
    return this;
  }

  readonly send = (data: MetricData): Promise<SendResult> => {
    const copies: MetricDatum[] = [];
    data.forEach((d) => copies.push({ ...d }));
    this.reads.push(copies.map((d) => d.name));
    const answer = this.answers.shift() ?? { status: 'success' };
    if (answer.status === 'success') this.delivered.push(...copies);
    return Promise.resolve(answer);
  };
}
