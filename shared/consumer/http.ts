/**
 * HTTP status → `SendResult`, shared by the HTTP-based providers (example-http, Prometheus remote
 * write) so they classify receivers' answers the same way: 2xx delivered; 408, 429 and 5xx
 * retryable (honouring `Retry-After`); any other status a permanent failure, since sending the
 * same bytes again cannot change the answer.
 */
import type { SendResult } from './types.ts';

/** Receivers' error bodies can be large (HTML error pages); logs keep this many characters. */
export const MAX_ERROR_BODY_CHARS = 1024;

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds
 * from `now`, or `undefined` when absent or unparseable (the handler's backoff applies then).
 *
 * @example
 * parseRetryAfter('2')                                   // 2000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now)  // ms until then, at least 0
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined; // a bare "1.5" or "-1" is not a valid value, and not a date either
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Classifies a receiver's response.
 *
 * @param body the response body (for the error message), truncated to `MAX_ERROR_BODY_CHARS`.
 * @example
 * resultFromHttpStatus(503, '1', 'overloaded') // {status:'retryable', error, retryAfterMs: 1000}
 * resultFromHttpStatus(400, null, 'bad line')  // {status:'failure', error, reason:'http_400'}
 */
export function resultFromHttpStatus(status: number, retryAfter: string | null | undefined, body: string): SendResult {
  if (status >= 200 && status < 300) return { status: 'success' };
  const text = body.length > MAX_ERROR_BODY_CHARS ? `${body.slice(0, MAX_ERROR_BODY_CHARS)}…` : body;
  const error = new Error(`receiver answered HTTP ${status}${text.trim() === '' ? '' : `: ${text.trim()}`}`);
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return retryAfterMs === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryAfterMs };
  }
  return { status: 'failure', error, reason: `http_${status}` };
}

/** A request that threw (connection refused, reset, DNS, aborted at the deadline): always worth retrying later. */
export function resultFromNetworkError(err: unknown): SendResult {
  const e = err instanceof Error ? err : new Error(String(err));
  const cause = (e as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return { status: 'retryable', error: new Error(`request failed (${e.name}: ${e.message}${detail})`, { cause: e }) };
}
