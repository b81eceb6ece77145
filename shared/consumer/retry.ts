/**
 * Deadline-aware retries of one provider call (`send` of a chunk, or `flush`), built on p-retry:
 * exponential backoff with jitter, `Retry-After` honoured as a lower bound, and no attempt
 * started that could not finish before the deadline (the OpenTelemetry `RetryingTransport` rule).
 * Giving up early is safe: the handler reports the records as failed and Lambda redelivers them.
 */
import pRetry from 'p-retry';
import type { Logger } from '../log/logger.ts';
import type { SendContext, SendResult } from './types.ts';

/** Backoff settings. Delays before retry k (k = 0, 1, …) are `min(minTimeoutMs·factor^k, maxTimeoutMs)`, times [1, 2) when `randomize`. */
export interface RetryPolicy {
  /** Retries after the first attempt (the deadline usually stops earlier). */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  factor: number;
  /** Jitter, so consumers of many shards do not retry in lockstep against a recovering receiver. */
  randomize: boolean;
}

/** @default 8 retries, 100 ms doubling to at most 5 s, with jitter. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ retries: 8, minTimeoutMs: 100, maxTimeoutMs: 5_000, factor: 2, randomize: true });

/** How a retried call ended. `result` is the last result; a `retryable` one means the call gave up. */
export interface RetryOutcome {
  result: SendResult;
  attempts: number;
  /** Why a `retryable` result was not retried further. */
  stoppedBy?: 'deadline' | 'retries';
}

/** Time bounds of one call. */
export interface CallWindow {
  /** Epoch ms: passed to the provider as `SendContext.deadline`; no attempt may start that would end after it. */
  deadline: number;
  /** Aborted at `deadline`; shared by every attempt. */
  signal: AbortSignal;
  /** A provider that ignores `signal` is abandoned this long after the deadline (its result counts as retryable). */
  graceMs: number;
  /** `SendContext.invocation`. */
  invocation: object;
}

/** Thrown inside the p-retry loop so that p-retry retries; carries the provider's result. */
class RetryableResult extends Error {
  override readonly name = 'RetryableResult';
  constructor(readonly result: Extract<SendResult, { status: 'retryable' }>) {
    super(result.error.message);
  }
}

/**
 * Runs `call` until it returns `success` or `failure`, or until retrying is no longer worth it.
 * `estimate.ms` is the longest attempt seen in this invocation; it is read to decide whether the
 * next attempt fits before the deadline and updated after each attempt (shared across calls).
 */
export async function callWithRetry(
  call: (ctx: SendContext) => Promise<SendResult>,
  window: CallWindow,
  policy: RetryPolicy,
  logger: Logger,
  estimate: { ms: number },
  label: string,
): Promise<RetryOutcome> {
  const ctx: SendContext = { deadline: window.deadline, signal: window.signal, logger, invocation: window.invocation };
  if (Date.now() + estimate.ms > window.deadline) {
    return { result: { status: 'retryable', error: new Error(`no time left before the deadline to start ${label}`) }, attempts: 0, stoppedBy: 'deadline' };
  }
  let attempts = 0;
  let stoppedBy: RetryOutcome['stoppedBy'] = 'retries';
  // The most data an attempt said it settled: a later attempt that is abandoned or throws does not undo them.
  let settled: Pick<Extract<SendResult, { status: 'retryable' }>, 'delivered' | 'dropped'> = {};
  try {
    const result = await pRetry(
      async () => {
        attempts++;
        const started = Date.now();
        const r = await guarded(call, ctx, window, logger, label);
        estimate.ms = Math.max(estimate.ms, Date.now() - started);
        if (r.status === 'retryable') {
          if ((r.delivered ?? 0) >= (settled.delivered ?? 0)) settled = { ...(r.delivered === undefined ? {} : { delivered: r.delivered }), ...(r.dropped === undefined ? {} : { dropped: r.dropped }) };
          throw new RetryableResult({ ...r, ...settled });
        }
        return r;
      },
      {
        retries: policy.retries,
        factor: policy.factor,
        minTimeout: policy.minTimeoutMs,
        maxTimeout: policy.maxTimeoutMs,
        randomize: policy.randomize,
        onFailedAttempt: ({ error, attemptNumber }) =>
          logger.debug('provider call retryable', { call: label, attempt: attemptNumber, error: error.message }),
        shouldRetry: async ({ error, retriesConsumed }) => {
          const base = policy.minTimeoutMs * policy.factor ** retriesConsumed;
          const backoffMin = Math.min(base, policy.maxTimeoutMs);
          const backoffMax = Math.min(policy.randomize ? 2 * base : base, policy.maxTimeoutMs);
          const hinted = error instanceof RetryableResult ? (error.result.retryAfterMs ?? 0) : 0;
          // p-retry waits at least `backoffMin` after this returns; wait the rest of the hint here.
          const extra = Math.max(0, hinted - backoffMin);
          if (Date.now() + extra + backoffMax + estimate.ms > window.deadline) {
            stoppedBy = 'deadline';
            return false;
          }
          if (extra > 0) await sleep(extra);
          return true;
        },
      },
    );
    return { result, attempts };
  } catch (err) {
    if (err instanceof RetryableResult) return { result: err.result, attempts, stoppedBy };
    throw err;
  }
}

/** One attempt: a provider that throws, or outlives the deadline by `graceMs`, yields `retryable` instead. */
async function guarded(
  call: (ctx: SendContext) => Promise<SendResult>,
  ctx: SendContext,
  window: CallWindow,
  logger: Logger,
  label: string,
): Promise<SendResult> {
  let timer: NodeJS.Timeout | undefined;
  const abandon = new Promise<SendResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: 'retryable', error: new Error(`${label} did not return within ${window.graceMs} ms after the deadline`) }),
      Math.max(0, window.deadline + window.graceMs - Date.now()),
    );
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(() => call(ctx))
        .catch((err: unknown): SendResult => {
          // The Provider contract says "never throw"; a throw is a bug in the provider, so say so loudly.
          logger.error('provider threw instead of returning a SendResult; treated as retryable', { call: label, error: err });
          return { status: 'retryable', error: err instanceof Error ? err : new Error(String(err)) };
        }),
      abandon,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
