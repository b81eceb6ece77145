/**
 * The pipeline of the fault suite (docs/faults.md), end to end with the production code and nothing
 * mocked: subscription payloads → the real forwarder (invoked as CloudWatch Logs invokes it:
 * asynchronously, a throw retried twice, then the event parked in the on-failure destination) →
 * kinesalite through the real SDK → the local event source mapping (Lambda's ESM semantics) → the
 * consumer handler around a real provider → a real receiver. Each piece is exposed so a test can
 * break it: the forwarder's own Kinesis client (for injected PutRecords failures), an optional TCP
 * link between the forwarder and Kinesis (for an outage), raw PutRecord (for a poison record).
 *
 * The consumer starts when the test says (`startConsumer`), so a test can first fill the stream and
 * then see the batches Lambda would build from it.
 */
import { PutRecordCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { encodeSubscriptionPayload } from '../fixtures/generate.ts';
import { loadForwarderConfig } from '../../functions/forwarder/config.ts';
import { createForwarderHandler } from '../../functions/forwarder/forwarder.ts';
import { createEventSourceMapping, type EventSourceMapping, type EventSourceMappingOptions, type EsmStats, type InvocationReport, type KinesisHandler } from '../../local/esm.ts';
import { ForwardQueue } from '../../local/ForwardQueue.ts';
import type { SubscriptionBatch } from '../../local/input/SubscriptionBatcher.ts';
import { startLocalKinesis, type LocalKinesis } from '../../local/kinesalite.ts';
import { invocationContext } from '../../local/lambdaKinesis.ts';
import { addForwarderSummary, emptyForwarderStats, type ForwarderStats } from '../../local/summary.ts';
import type { SubscriptionPayload } from '../../shared/cloudwatch/subscription.ts';
import type { Env } from '../../shared/config/env.ts';
import { createConsumerHandler } from '../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../shared/consumer/summary.ts';
import type { AnyProvider } from '../../shared/consumer/types.ts';
import { createKinesisClient } from '../../shared/kinesis/client.ts';
import { createMemoryLogger } from '../../shared/log/logger.ts';
import { startTcpLink, type TcpLink } from './TcpLink.ts';

type EsmSettings = Partial<Pick<EventSourceMappingOptions, 'batchSize' | 'maxRetryAttempts' | 'timeoutMs' | 'retryDelayMs'>>;

export interface FaultPipelineOptions {
  provider: AnyProvider;
  /** The consumer's `CONSUMER_*` settings, over short retry delays (10–50 ms). */
  consumerEnv?: Env;
  /** The forwarder's settings beyond its stream and region. */
  forwarderEnv?: Env;
  /** The forwarder function's timeout, the deadline of each attempt. @default 5000 */
  forwarderTimeoutMs?: number;
  /** Lambda's asynchronous retries of a forwarder invocation that threw. @default 2 */
  asyncRetries?: number;
  /** Route the forwarder's connections to Kinesis through a `TcpLink` the test can cut. */
  cuttableKinesis?: boolean;
  /** The event source mapping's settings. @default batch size 10, 3 retries, timeout 5 s, retry delay 20 ms */
  esm?: EsmSettings;
  /** Wraps the consumer handler, e.g. to outlive the function's timeout after it returned. */
  wrapHandler?: (handler: KinesisHandler) => KinesisHandler;
}

/** A forwarder attempt that threw, as the test's hook sees it. */
export interface FailedAttempt {
  logStream: string;
  /** 1 for the first attempt. */
  attempt: number;
  error: Error;
}

const ACCOUNT = { region: 'us-east-1', accountId: '000000000000' };

export class FaultPipeline {
  /** One per consumer invocation, in order. */
  readonly summaries: ConsumerSummary[] = [];
  /** What the event source mapping saw of each invocation, in order. */
  readonly invocations: InvocationReport[] = [];
  /** The forwarder's summaries added up, with its invocations, retries and parked payloads (`failedPayloads`, `lostEvents`). */
  readonly forwarder: ForwarderStats = emptyForwarderStats();
  /** Payloads every attempt failed for: what Lambda sends to the forwarder's on-failure destination. */
  readonly parked: SubscriptionPayload[] = [];
  /** Every forwarder attempt that threw. */
  readonly failedAttempts: FailedAttempt[] = [];
  readonly logger = createMemoryLogger();
  /** Called after each forwarder attempt that threw, before Lambda's retry waits (a test repairs Kinesis here). */
  onFailedAttempt?: (failed: FailedAttempt) => void | Promise<void>;
  /** Called after each consumer invocation (a test repairs its receiver here). */
  onInvocation?: (report: InvocationReport) => void | Promise<void>;
  private esm: EventSourceMapping | undefined;

  private constructor(
    private readonly o: FaultPipelineOptions,
    readonly kinesis: LocalKinesis,
    readonly streamName: string,
    /** The forwarder's own SDK client (add middleware to it to inject PutRecords failures). */
    readonly forwarderClient: KinesisClient,
    /** Between the forwarder and Kinesis, when `cuttableKinesis`. */
    readonly kinesisLink: TcpLink | undefined,
  ) {}

  static async start(o: FaultPipelineOptions): Promise<FaultPipeline> {
    const kinesis = await startLocalKinesis({ region: ACCOUNT.region });
    const streamName = 'emf-fanout-faults';
    await kinesis.createStream(streamName, 1);
    const link = o.cuttableKinesis ? await startTcpLink(Number(new URL(kinesis.endpoint).port)) : undefined;
    const endpoint = link ? `http://127.0.0.1:${link.port}` : kinesis.endpoint;
    const client = createKinesisClient({ endpoint, region: ACCOUNT.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    return new FaultPipeline(o, kinesis, streamName, client, link);
  }

  /**
   * Invokes the forwarder with each payload as CloudWatch Logs does, one at a time: a throw is retried
   * (`asyncRetries`, 50 ms then 100 ms apart), then the payload is parked. Resolves when every
   * invocation has ended.
   */
  async forward(payloads: readonly SubscriptionPayload[]): Promise<void> {
    const handler = createForwarderHandler({
      config: loadForwarderConfig({ ...this.o.forwarderEnv, AWS_REGION: ACCOUNT.region, KINESIS_STREAM_NAME: this.streamName }),
      kinesis: this.forwarderClient,
      logger: this.logger,
      onSummary: (s) => addForwarderSummary(this.forwarder, s),
      retryMinTimeoutMs: 20,
    });
    const retries = this.o.asyncRetries ?? 2;
    const attempts = new Map<SubscriptionBatch, number>();
    const byBatch = new Map<SubscriptionBatch, SubscriptionPayload>();
    const timeout = this.o.forwarderTimeoutMs ?? 5_000;
    const queue = new ForwardQueue(async (batch) => {
      const attempt = (attempts.get(batch) ?? 0) + 1;
      attempts.set(batch, attempt);
      try {
        return await handler(batch.event, invocationContext({ ...ACCOUNT, functionName: 'emf-fanout-forwarder' }, timeout));
      } catch (err) {
        const failed = { logStream: batch.logStream, attempt, error: err as Error };
        this.failedAttempts.push(failed);
        if (attempt > retries) this.parked.push(byBatch.get(batch)!);
        await this.onFailedAttempt?.(failed);
        throw err;
      }
    }, this.forwarder, { concurrency: 1, retries, retryDelayMs: 50 });
    const batches = payloads.map((p) => {
      const batch: SubscriptionBatch = { logGroup: p.logGroup, logStream: p.logStream, events: p.logEvents.length, event: encodeSubscriptionPayload(p) };
      byBatch.set(batch, p);
      return batch;
    });
    queue.push(batches);
    await queue.idle();
  }

  /** Writes one record as any producer could, bypassing the forwarder (a poison record). */
  async putRaw(data: Uint8Array, partitionKey = 'poison'): Promise<string> {
    const out = await this.kinesis.client.send(new PutRecordCommand({ StreamName: this.streamName, Data: data, PartitionKey: partitionKey }));
    return out.SequenceNumber!;
  }

  /** Starts the event source mapping of the consumer, from the start of the stream. */
  async startConsumer(): Promise<void> {
    const consumer = createConsumerHandler(this.o.provider, {
      env: { CONSUMER_RETRY_MIN_DELAY_MS: '10', CONSUMER_RETRY_MAX_DELAY_MS: '50', ...this.o.consumerEnv },
      logger: this.logger,
      onSummary: (s) => this.summaries.push(s),
    });
    const handler: KinesisHandler = this.o.wrapHandler ? this.o.wrapHandler(consumer) : consumer;
    this.esm = createEventSourceMapping({
      client: this.kinesis.client, streamName: this.streamName, region: ACCOUNT.region, functionName: `emf-fanout-${this.o.provider.name}`,
      handler, logger: this.logger, pollIntervalMs: 20, retryDelayMs: 20, maxRetryDelayMs: 200, batchSize: 10, maxRetryAttempts: 3, timeoutMs: 5_000,
      ...this.o.esm,
      observer: {
        onInvocation: (r) => {
          this.invocations.push(r);
          void this.onInvocation?.(r);
        },
      },
    });
    await this.esm.start();
  }

  /** Resolves once every record written so far has been processed or discarded. */
  async drain(): Promise<void> {
    if (!this.esm) throw new Error('startConsumer first');
    await this.esm.drain();
  }

  get esmStats(): Readonly<EsmStats> {
    if (!this.esm) throw new Error('startConsumer first');
    return this.esm.stats;
  }

  /**
   * The consumer's summaries added up: data built, delivered, dropped by reason, and what was passed over
   * as already delivered (the consumer's de-duplication).
   */
  consumerTotals(): { data: number; delivered: number; dropped: Record<string, number>; duplicates: { documents: number; data: number } } {
    const dropped: Record<string, number> = {};
    const duplicates = { documents: 0, data: 0 };
    let data = 0;
    let delivered = 0;
    for (const s of this.summaries) {
      data += s.data;
      delivered += s.delivered;
      for (const [k, n] of Object.entries(s.dropped)) dropped[k] = (dropped[k] ?? 0) + n;
      duplicates.documents += s.duplicates.documents;
      duplicates.data += s.duplicates.data;
    }
    return { data, delivered, dropped, duplicates };
  }

  async close(): Promise<void> {
    await this.esm?.stop();
    this.forwarderClient.destroy();
    await this.kinesisLink?.close();
    await this.kinesis.close();
  }
}
