/**
 * Backoff for CloudWatch Logs control-plane calls (and the metrics scraper's GetMetricData, which throttles
 * the same way). Subscribing thousands of log groups runs
 * into the per-account API rate (a few calls per second for DescribeSubscriptionFilters and
 * PutSubscriptionFilter), which peers hit as mass failures (sumologic-aws-lambda#109). The SDK
 * retries 3 times; this adds a longer, jittered backoff for throttling and transient errors
 * only. Anything else fails at once, so the caller can report it.
 */
import pRetry from 'p-retry';

/** Error names CloudWatch Logs uses for "slow down / try again". */
const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ServiceUnavailableException',
  // "Multiple requests to modify the same configuration were in conflict."
  'OperationAbortedException',
]);

function isRetryableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  if (e.name !== undefined && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.$retryable?.throttling) return true;
  return e.$metadata?.httpStatusCode === 429;
}

export interface BackoffOptions {
  /** Retries after the first attempt. */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  /** Called before each retry (the tool counts them for its summary). */
  onRetry?: (error: unknown, attempt: number) => void;
}

/** @default 10 retries, 250 ms doubling (with jitter) to at most 20 s: about 2 minutes of patience. */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ retries: 10, minTimeoutMs: 250, maxTimeoutMs: 20_000 });

/** Runs `call`, retrying throttling and transient errors with exponential, jittered backoff. */
export function withBackoff<T>(call: () => Promise<T>, opts: BackoffOptions = DEFAULT_BACKOFF): Promise<T> {
  return pRetry(call, {
    retries: opts.retries,
    minTimeout: opts.minTimeoutMs,
    maxTimeout: opts.maxTimeoutMs,
    factor: 2,
    randomize: true,
    shouldRetry: ({ error }) => isRetryableAwsError(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && isRetryableAwsError(error)) opts.onRetry?.(error, attemptNumber);
    },
  });
}
