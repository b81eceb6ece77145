/**
 * A provider for tests that keeps every call in memory and can be scripted to answer
 * `retryable` or `failure` (the EMF-node `TestSink` / OTel `InMemoryMetricExporter` idea).
 * A plain `Provider`: it keeps the data it is given, which a plain provider may.
 */
import type { MetricDatum, Provider, SendContext, SendResult } from '../types.ts';

/** One `send` or `flush` call as the provider saw it. */
export interface RecordedCall {
  kind: 'send' | 'flush';
  data: readonly MetricDatum[];
  /** `performance.now()` when the call started and when it returned. */
  startedAt: number;
  endedAt: number;
  /** The deadline the handler passed, epoch ms. */
  deadline: number;
  /** `Date.now()` at the call, for comparing with `deadline`. */
  wallClock: number;
  result: SendResult;
}

/** What the next call answers: a result, or a function of the call (e.g. to wait, or look at the data). */
export type ScriptedAnswer = SendResult | ((data: readonly MetricDatum[], ctx: SendContext) => Promise<SendResult> | SendResult);

export interface InMemoryProviderOptions {
  name?: string;
  maxBatchSize?: number;
  /** Give the provider a `flush` (answering from `flushScript`, else success). */
  withFlush?: boolean;
}

/**
 * @example
 * const p = new InMemoryProvider({ maxBatchSize: 2 });
 * p.script({ status: 'retryable', error: new Error('503') });   // first send answers retryable
 * await handler(event, fakeLambdaContext());
 * expect(p.delivered).toHaveLength(…);
 */
export class InMemoryProvider implements Provider {
  readonly name: string;
  readonly maxBatchSize?: number;
  readonly flush?: (ctx: SendContext) => Promise<SendResult>;
  readonly calls: RecordedCall[] = [];
  /** Data of every `send` answered `success`, in order (for a provider with flush, only what a successful flush confirmed). */
  readonly delivered: MetricDatum[] = [];
  private readonly sendQueue: ScriptedAnswer[] = [];
  private readonly flushQueue: ScriptedAnswer[] = [];
  private sendFallback: ScriptedAnswer = { status: 'success' };
  /** What `send` buffered until `flush`, per invocation (`ctx.invocation`), as the contract asks: an invocation that gave up leaves nothing behind. */
  private readonly buffered = new WeakMap<object, MetricDatum[]>();

  constructor(opts: InMemoryProviderOptions = {}) {
    this.name = opts.name ?? 'in-memory';
    if (opts.maxBatchSize !== undefined) this.maxBatchSize = opts.maxBatchSize;
    if (opts.withFlush) this.flush = (ctx) => this.run('flush', [], ctx);
  }

  /** Queues answers for the next `send` calls; when the queue is empty, `always` (default success) answers. */
  script(...answers: ScriptedAnswer[]): this {
    this.sendQueue.push(...answers);
    return this;
  }

  /** Queues answers for the next `flush` calls (success when empty). */
  scriptFlush(...answers: ScriptedAnswer[]): this {
    this.flushQueue.push(...answers);
    return this;
  }

  /** The answer once the queue is empty (e.g. always retryable). */
  always(answer: ScriptedAnswer): this {
    this.sendFallback = answer;
    return this;
  }

  send(data: readonly MetricDatum[], ctx: SendContext): Promise<SendResult> {
    return this.run('send', data, ctx);
  }

  get sendCalls(): RecordedCall[] {
    return this.calls.filter((c) => c.kind === 'send');
  }

  private async run(kind: 'send' | 'flush', data: readonly MetricDatum[], ctx: SendContext): Promise<SendResult> {
    const startedAt = performance.now();
    const wallClock = Date.now();
    const answer = (kind === 'send' ? this.sendQueue.shift() ?? this.sendFallback : this.flushQueue.shift()) ?? { status: 'success' };
    const result = typeof answer === 'function' ? await answer(data, ctx) : answer;
    if (kind === 'send' && result.status === 'success') {
      for (const d of data) (this.flush ? this.bufferOf(ctx.invocation) : this.delivered).push(d);
    }
    if (kind === 'flush') {
      if (result.status === 'success') for (const d of this.bufferOf(ctx.invocation)) this.delivered.push(d);
      if (result.status !== 'retryable') this.buffered.delete(ctx.invocation);
    }
    this.calls.push({ kind, data: [...data], startedAt, endedAt: performance.now(), deadline: ctx.deadline, wallClock, result });
    return result;
  }

  private bufferOf(invocation: object): MetricDatum[] {
    let b = this.buffered.get(invocation);
    if (b === undefined) this.buffered.set(invocation, (b = []));
    return b;
  }
}
