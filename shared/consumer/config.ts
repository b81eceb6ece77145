/**
 * Settings every consumer function shares, read from the environment at cold start so a bad
 * value fails the deployment's first invocation with an error naming the variable.
 */
import { optionalInt, type Env } from '../config/env.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';

/** The shared consumer settings (each provider adds its own, prefixed, e.g. `EXAMPLE_HTTP_*`). */
export interface ConsumerConfig {
  /**
   * Time kept back from Lambda's deadline (`CONSUMER_SAFETY_MARGIN_MS`). Sends stop at
   * `remaining − margin`; the final flush may use half the margin; the rest is for returning.
   * Undefined → `min(3000, 10% of the remaining time)` per invocation.
   */
  safetyMarginMs?: number;
  retry: RetryPolicy;
  /**
   * Documents the container remembers as delivered, to pass over when they arrive again
   * (`CONSUMER_DEDUP_DOCUMENTS`; 0: de-duplication off). See docs/architecture.md#de-duplication.
   */
  dedupDocuments: number;
}

/** About 120 bytes each, so about 12 MB: see `DeliveredDocuments`. */
const DEFAULT_DEDUP_DOCUMENTS = 100_000;

/**
 * | Variable | Default | Meaning |
 * |---|---|---|
 * | `CONSUMER_SAFETY_MARGIN_MS` | min(3000, 10 % of remaining) | time kept before Lambda's deadline |
 * | `CONSUMER_MAX_RETRIES` | 8 | retries per chunk after the first attempt (the deadline usually stops earlier) |
 * | `CONSUMER_RETRY_MIN_DELAY_MS` | 100 | first backoff delay (doubles, with jitter) |
 * | `CONSUMER_RETRY_MAX_DELAY_MS` | 5000 | largest backoff delay (a `Retry-After` hint may ask for more) |
 * | `CONSUMER_DEDUP_DOCUMENTS` | 100000 | documents remembered as delivered, per container (0: no de-duplication) |
 *
 * @example
 * const config = loadConsumerConfig(process.env); // throws ConfigError naming e.g. CONSUMER_MAX_RETRIES
 */
export function loadConsumerConfig(env: Env): ConsumerConfig {
  const margin = env.CONSUMER_SAFETY_MARGIN_MS;
  const minTimeoutMs = optionalInt(env, 'CONSUMER_RETRY_MIN_DELAY_MS', DEFAULT_RETRY_POLICY.minTimeoutMs, { min: 0, max: 60_000 });
  const maxTimeoutMs = optionalInt(env, 'CONSUMER_RETRY_MAX_DELAY_MS', DEFAULT_RETRY_POLICY.maxTimeoutMs, { min: minTimeoutMs, max: 600_000 });
  return Object.freeze({
    ...(margin !== undefined && margin.trim() !== ''
      ? { safetyMarginMs: optionalInt(env, 'CONSUMER_SAFETY_MARGIN_MS', 0, { min: 0, max: 600_000 }) }
      : {}),
    retry: Object.freeze({
      ...DEFAULT_RETRY_POLICY,
      retries: optionalInt(env, 'CONSUMER_MAX_RETRIES', DEFAULT_RETRY_POLICY.retries, { min: 0, max: 1000 }),
      minTimeoutMs,
      maxTimeoutMs,
    }),
    dedupDocuments: optionalInt(env, 'CONSUMER_DEDUP_DOCUMENTS', DEFAULT_DEDUP_DOCUMENTS, { min: 0, max: 10_000_000 }),
  });
}

/** The default margin: 10 % of the remaining time, at most 3 s (a 3 s function keeps 300 ms, a 5 min one 3 s). */
export function defaultSafetyMarginMs(remainingMs: number): number {
  return Math.min(3_000, Math.floor(remainingMs * 0.1));
}
