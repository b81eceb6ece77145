/**
 * One request to Datadog's metrics intake, and what the answer means
 * (https://docs.datadoghq.com/api/latest/metrics/, https://docs.datadoghq.com/api/latest/rate-limits/).
 * The retry loop (backoff, deadline) is the consumer handler's; this decides which answers are worth
 * retrying:
 *
 * - 202: accepted, the only success (a 200 or 204 is not the intake answering: a proxy or a wrong
 *   `DD_URL`), so any other 2xx is retryable and the data stay in the stream;
 * - 429: retryable, after `X-RateLimit-Reset` seconds (Datadog's rate-limit headers), else `Retry-After`;
 * - 408, 5xx, network errors and timeouts: retryable;
 * - 400: rejected, 401/403: forbidden, 413: too large, any other 4xx: `datadog_http_<status>`, each a
 *   counted failure carrying Datadog's message. Sending the same bytes again cannot change the answer.
 *
 * Bodies are deflate-compressed (the only encoding both endpoints take).
 */
import { deflateSync } from 'node:zlib';
import pkg from '../../../package.json' with { type: 'json' };
import { MAX_ERROR_BODY_CHARS, parseRetryAfter, resultFromNetworkError } from '../../../shared/consumer/http.ts';
import type { SendResult } from '../../../shared/consumer/types.ts';
import { DATADOG_REASONS } from './translate.ts';

export const DISTRIBUTION_POINTS_PATH = '/api/v1/distribution_points';
export const SERIES_PATH = '/api/v2/series';

/** Datadog's limit on a request body as sent (compressed). */
const MAX_WIRE_BYTES = 512_000;

/** Maps an answer to a `SendResult`. `header` reads a response header (lower-case name). */
export function classifyDatadogResponse(status: number, header: (name: string) => string | null, body: string): SendResult {
  if (status === 202) return { status: 'success' };
  const text = (body.length > MAX_ERROR_BODY_CHARS ? `${body.slice(0, MAX_ERROR_BODY_CHARS)}…` : body).trim();
  const error = new Error(`Datadog answered HTTP ${status}${text === '' ? '' : `: ${text}`}`);
  if (status === 429) {
    const reset = header('x-ratelimit-reset');
    const resetMs = reset !== null && /^\d+(\.\d+)?$/.test(reset.trim()) ? Math.ceil(Number(reset.trim()) * 1000) : undefined;
    const retryAfterMs = resetMs ?? parseRetryAfter(header('retry-after'));
    return retryAfterMs === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryAfterMs };
  }
  if ((status >= 200 && status < 300) || status === 408 || status >= 500) {
    const retryAfterMs = parseRetryAfter(header('retry-after'));
    return retryAfterMs === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryAfterMs };
  }
  if (status === 400) return { status: 'failure', error, reason: DATADOG_REASONS.rejected };
  if (status === 401 || status === 403) return { status: 'failure', error, reason: DATADOG_REASONS.forbidden };
  if (status === 413) return { status: 'failure', error, reason: DATADOG_REASONS.too_large };
  return { status: 'failure', error, reason: `datadog_http_${status}` };
}

export interface DatadogClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  /** Injected for tests; default: the global `fetch`. */
  fetch?: typeof fetch;
}

export interface DatadogClient {
  /** POSTs a body made by `compressBody` to `path`. Never throws. */
  post(path: string, body: Buffer, signal: AbortSignal): Promise<SendResult>;
}

/** The deflated body of `json` (what is sent; its length is what Datadog limits). */
export function compressBody(json: string): Buffer {
  return deflateSync(json);
}

export function createDatadogClient(o: DatadogClientOptions): DatadogClient {
  const doFetch = o.fetch ?? fetch;
  const headers = {
    'content-type': 'application/json',
    'content-encoding': 'deflate',
    'dd-api-key': o.apiKey,
    'user-agent': `emf-fanout/${pkg.version}`,
  };
  return {
    async post(path, body, signal) {
      if (body.length > MAX_WIRE_BYTES) {
        // Cannot happen with DD_MAX_REQUEST_BYTES ≤ 500,000; kept so a mistake shows as what it is.
        return { status: 'failure', reason: DATADOG_REASONS.too_large, error: new Error(`a request of ${body.length} compressed bytes is over Datadog's ${MAX_WIRE_BYTES}`) };
      }
      try {
        const res = await doFetch(`${o.baseUrl}${path}`, {
          method: 'POST',
          headers,
          body,
          redirect: 'error',
          // Whichever comes first: the invocation's deadline or this request's own timeout.
          signal: AbortSignal.any([signal, AbortSignal.timeout(o.timeoutMs)]),
        });
        // Read the body even on success: it frees the keep-alive connection; on errors it is Datadog's message.
        return classifyDatadogResponse(res.status, (name) => res.headers.get(name), await res.text());
      } catch (err) {
        return resultFromNetworkError(err);
      }
    },
  };
}
