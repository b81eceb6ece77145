/**
 * One remote-write HTTP request, and what the answer means. The retry loop (backoff,
 * `Retry-After`, the deadline) is the consumer handler's; this decides only which answers are
 * worth retrying:
 *
 * - 2xx: delivered.
 * - 408, 429, 5xx, network errors, timeouts: retryable (`Retry-After` honoured).
 * - a 5xx whose message says the samples are too old / out of bounds / out of order / duplicate:
 *   permanent. Prometheus < 2.50 answers 500 for samples outside its out-of-order window
 *   (`ErrTooOldSample`, fixed in 2.50.0 by #13335); retrying those would loop until the data expire.
 * - any other 4xx: permanent ("will never succeed", Remote-Write 1.0 spec), with a reason naming the cause.
 */
import pkg from '../../../package.json' with { type: 'json' };
import { MAX_ERROR_BODY_CHARS, parseRetryAfter, resultFromNetworkError } from '../../../shared/consumer/http.ts';
import type { SendResult } from '../../../shared/consumer/types.ts';
import type { RequestAuth } from './auth.ts';

/** The spec's required headers; users cannot override them (config rejects them). */
export const REMOTE_WRITE_HEADERS = Object.freeze({
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'user-agent': `emf-fanout/${pkg.version}`,
  'x-prometheus-remote-write-version': '0.1.0',
});

/** Stable drop reasons of this provider (keys of the consumer summary's `dropped`). */
export const PROMETHEUS_REASONS = {
  /** The receiver has a newer sample of the series and no (or a too small) out-of-order window. */
  out_of_order: 'prometheus_out_of_order',
  /** The same series and timestamp with a different value was already ingested (e.g. an earlier batch). */
  duplicate: 'prometheus_duplicate_sample',
  /** Older than the receiver's out-of-order window / head block ("too old", "out of bounds"). */
  too_old: 'prometheus_too_old',
  unauthorized: 'prometheus_unauthorized',
  too_large: 'prometheus_request_too_large',
} as const;

const TOO_OLD = /too[ _-]old|out[ _-]of[ _-]bounds/i;
const OUT_OF_ORDER = /out[ _-]of[ _-]order/i;
const DUPLICATE = /duplicate[ _-](sample|timestamp)/i;

/** The permanent reason a receiver's message names, if any. */
function sampleReason(body: string): string | undefined {
  if (TOO_OLD.test(body)) return PROMETHEUS_REASONS.too_old;
  if (DUPLICATE.test(body)) return PROMETHEUS_REASONS.duplicate;
  if (OUT_OF_ORDER.test(body)) return PROMETHEUS_REASONS.out_of_order;
  return undefined;
}

/** Maps a receiver's answer to a `SendResult` (see the module comment). */
export function classifyRemoteWriteResponse(status: number, retryAfter: string | null | undefined, body: string): SendResult {
  if (status >= 200 && status < 300) return { status: 'success' };
  const text = (body.length > MAX_ERROR_BODY_CHARS ? `${body.slice(0, MAX_ERROR_BODY_CHARS)}…` : body).trim();
  const error = new Error(`remote write answered HTTP ${status}${text === '' ? '' : `: ${text}`}`);
  const sample = sampleReason(text);
  if (status === 408 || status === 429 || (status >= 500 && sample === undefined)) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return retryAfterMs === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryAfterMs };
  }
  if (sample !== undefined) return { status: 'failure', error, reason: sample };
  if (status === 401 || status === 403) return { status: 'failure', error, reason: PROMETHEUS_REASONS.unauthorized };
  if (status === 413) return { status: 'failure', error, reason: PROMETHEUS_REASONS.too_large };
  return { status: 'failure', error, reason: `prometheus_http_${status}` };
}

export interface RemoteWriteClientOptions {
  url: string;
  timeoutMs: number;
  auth: RequestAuth;
  /** Extra (non-reserved) headers, lower-case names. */
  headers: Readonly<Record<string, string>>;
  /** Injected for tests; default: the global `fetch`. */
  fetch?: typeof fetch;
}

export interface RemoteWriteClient {
  /** POSTs one snappy-compressed WriteRequest. Never throws. */
  post(body: Uint8Array, signal: AbortSignal): Promise<SendResult>;
}

export function createRemoteWriteClient(o: RemoteWriteClientOptions): RemoteWriteClient {
  const url = new URL(o.url);
  const doFetch = o.fetch ?? fetch;
  const base: Record<string, string> = { ...o.headers, ...REMOTE_WRITE_HEADERS };
  return {
    async post(body, signal) {
      try {
        const headers = { ...base, ...(await o.auth.headersFor(url, base, body)) };
        const res = await doFetch(url, {
          method: 'POST',
          headers,
          body,
          redirect: 'error',
          // Whichever comes first: the invocation's deadline or this request's own timeout.
          signal: AbortSignal.any([signal, AbortSignal.timeout(o.timeoutMs)]),
        });
        // Read the body even on success: it frees the keep-alive connection; on errors it is the receiver's message.
        return classifyRemoteWriteResponse(res.status, res.headers.get('retry-after'), await res.text());
      } catch (err) {
        return resultFromNetworkError(err);
      }
    },
  };
}
