/**
 * Invokes the forwarder with subscription events as CloudWatch Logs would: asynchronously, a few
 * at a time, and — as Lambda does for asynchronous invocations — retrying an invocation that
 * throws (2 more attempts by default) before counting its log events as lost.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SubscriptionBatch } from './input/SubscriptionBatcher.ts';
import type { ForwarderStats } from './summary.ts';

export type ForwardFn = (batch: SubscriptionBatch) => Promise<unknown>;

export interface ForwardQueueOptions {
  /** Invocations in flight. @default 2 */
  concurrency?: number;
  /** Attempts after the first for an invocation that throws. @default 2 (Lambda's asynchronous default) */
  retries?: number;
  /** Delay before the first retry, doubling (Lambda waits minutes; locally a moment is enough). @default 100 */
  retryDelayMs?: number;
}

export class ForwardQueue {
  private readonly pending: SubscriptionBatch[] = [];
  private active = 0;
  private waiters: (() => void)[] = [];
  private readonly concurrency: number;

  constructor(
    private readonly forward: ForwardFn,
    private readonly stats: ForwarderStats,
    private readonly opts: ForwardQueueOptions = {},
  ) {
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
  }

  /** Queues batches; invocation starts at once while fewer than `concurrency` are running. */
  push(batches: readonly SubscriptionBatch[]): void {
    for (const b of batches) {
      this.stats.payloads++;
      this.pending.push(b);
    }
    this.pump();
  }

  /** Resolves when the queue can take more without growing past twice the concurrency (back-pressure for the reader). */
  async room(): Promise<void> {
    while (this.pending.length >= this.concurrency * 2) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Resolves when every queued batch has been forwarded (or given up on). */
  async idle(): Promise<void> {
    while (this.pending.length > 0 || this.active > 0) await new Promise<void>((r) => this.waiters.push(r));
  }

  private pump(): void {
    while (this.active < this.concurrency && this.pending.length > 0) {
      const batch = this.pending.shift()!;
      this.active++;
      void this.invoke(batch).finally(() => {
        this.active--;
        const w = this.waiters;
        this.waiters = [];
        for (const r of w) r();
        this.pump();
      });
    }
  }

  private async invoke(batch: SubscriptionBatch): Promise<void> {
    const retries = this.opts.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      this.stats.invocations++;
      try {
        await this.forward(batch);
        return;
      } catch (err) {
        if (attempt < retries) {
          this.stats.retries++;
          await sleep((this.opts.retryDelayMs ?? 100) * 2 ** attempt);
          continue;
        }
        this.stats.failedPayloads++;
        this.stats.lostEvents += batch.events;
        if (this.stats.errors.length < 10) this.stats.errors.push(`${batch.logGroup} ${batch.logStream}: ${(err as Error)?.message ?? String(err)}`);
        return;
      }
    }
  }
}
