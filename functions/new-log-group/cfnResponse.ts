/**
 * Answers a CloudFormation custom resource request: an HTTP PUT of a JSON document to the
 * request's pre-signed S3 `ResponseURL`. CloudFormation waits for that object and for nothing
 * else, so a missing answer holds the stack until the resource's ServiceTimeout.
 *
 * Written with the runtime's `fetch` (Node 20 here, 22 in Lambda), no package: a PUT with
 * retries is all it takes. The body is sent as bytes with an empty Content-Type, as AWS's own
 * `cfn-response` module does, so no content type the URL was not signed with is added.
 */
import pRetry, { AbortError } from 'p-retry';
import { EmfFanoutError } from '../../shared/errors.ts';

/** "The total size of the response body can't exceed 4096 bytes" (custom resource response objects). */
export const MAX_RESPONSE_BYTES = 4096;

/** The response object, field names as CloudFormation defines them. */
export interface CfnResponse {
  Status: 'SUCCESS' | 'FAILED';
  /** Required for FAILED; CloudFormation shows it as the resource's status reason. */
  Reason: string;
  /** Identical in every response for the same resource: a new value would make CloudFormation delete the "old" one. */
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  /** Readable with `Fn::GetAtt`; strings only. */
  Data: Record<string, string>;
}

/** The response URL did not take the response. */
class ResponseError extends EmfFanoutError {
  override readonly name = 'ResponseError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'cfn_response_failed', options);
  }
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * The JSON body, within {@link MAX_RESPONSE_BYTES}: an oversized response is shortened in
 * `Reason` first (the counts in `Data` matter more to a template), then `Data` is dropped.
 */
export function responseBody(response: CfnResponse): string {
  let body = JSON.stringify(response);
  if (bytes(body) <= MAX_RESPONSE_BYTES) return body;
  const marker = ' … (shortened; the function log has the rest)';
  let reason = response.Reason;
  while (bytes(body) > MAX_RESPONSE_BYTES && reason.length > 0) {
    const over = bytes(body) - MAX_RESPONSE_BYTES;
    reason = reason.slice(0, Math.max(0, reason.length - over - marker.length));
    body = JSON.stringify({ ...response, Reason: reason + marker });
  }
  if (bytes(body) > MAX_RESPONSE_BYTES) body = JSON.stringify({ ...response, Reason: reason + marker, Data: {} });
  return body;
}

export interface SendOptions {
  /** Retries after the first attempt (network errors, 5xx, 429). */
  retries: number;
  minTimeoutMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

/** @default 3 retries from 500 ms, 5 s per attempt: under 25 s at worst, inside the custom resource's 30 s deadline margin. */
const DEFAULT_SEND: SendOptions = Object.freeze({ retries: 3, minTimeoutMs: 500, timeoutMs: 5_000 });

/** PUTs the response; throws {@link ResponseError} when the URL refuses it or every attempt fails. */
export async function sendResponse(url: string, response: CfnResponse, opts: SendOptions = DEFAULT_SEND): Promise<void> {
  const body = Buffer.from(responseBody(response), 'utf8');
  try {
    await pRetry(
      async () => {
        const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' }, signal: AbortSignal.timeout(opts.timeoutMs) });
        const text = await res.text().catch(() => '');
        if (res.ok) return;
        const error = new ResponseError(`the response URL answered HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`);
        // 4xx other than 429 (an expired or wrong URL) will not change on a retry.
        if (res.status >= 500 || res.status === 429) throw error;
        throw new AbortError(error);
      },
      { retries: opts.retries, minTimeout: opts.minTimeoutMs, factor: 2, randomize: true },
    );
  } catch (error) {
    if (error instanceof ResponseError) throw error;
    throw new ResponseError(`the response could not be sent: ${(error as Error).message}`, { cause: error });
  }
}
