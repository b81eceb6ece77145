/**
 * The example provider: POSTs each chunk as JSON lines (`application/x-ndjson`), one
 * `MetricDatum` per line. Small on purpose: it is the template for writing your own provider
 * (README.md#adding-a-provider). It gets plain data, an array of separate data it may keep.
 * Serialising is a pure function; `send` only does the I/O and maps the answer to a `SendResult`.
 */
import { resultFromHttpStatus, resultFromNetworkError } from '../../../shared/consumer/http.ts';
import type { MetricDatum, Provider, SendContext, SendResult } from '../../../shared/consumer/types.ts';
import { createSecretResolver, type SecretResolver } from '../../../shared/secrets/secretResolver.ts';
import type { ExampleHttpConfig } from './config.ts';

/** Why a datum was left out of the body: a member nested deeper than `JSON.stringify` can write. */
const UNSERIALISABLE = 'example_http_datum_unserialisable';

/**
 * One line per datum, each ending in `\n`: what the receiver gets. A datum that cannot be written
 * (another producer's record can nest a property 100,000 deep) is left out and counted: it would
 * fail the same way on every retry, so it must never make the chunk retryable.
 */
function toJsonLines(data: readonly MetricDatum[]): { body: string; unserialisable: number } {
  let body = '';
  let unserialisable = 0;
  for (const d of data) {
    try {
      body += JSON.stringify(d) + '\n';
    } catch {
      unserialisable++;
    }
  }
  return { body, unserialisable };
}

/**
 * @example
 * const provider = new JsonLinesHttpProvider(loadConfig(process.env));
 */
export class JsonLinesHttpProvider implements Provider {
  readonly name = 'example-http';
  readonly maxBatchSize: number;

  /** `authorization`: the resolved value of `config.authorizationRef` (see `createExampleHttpProvider`). */
  constructor(
    private readonly config: ExampleHttpConfig,
    private readonly authorization?: string,
  ) {
    this.maxBatchSize = config.maxBatchSize;
  }

  async send(data: readonly MetricDatum[], ctx: SendContext): Promise<SendResult> {
    const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    // Serialised outside the try below: only the request's own errors are network errors (retryable).
    const { body, unserialisable } = toJsonLines(data);
    let result: SendResult;
    try {
      const res = await fetch(this.config.url, {
        method: 'POST',
        headers,
        body,
        // Whichever comes first: the invocation's deadline or this request's own timeout.
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
      // Read the body even on success: it frees the keep-alive connection, and errors explain themselves.
      result = resultFromHttpStatus(res.status, res.headers.get('retry-after'), await res.text());
    } catch (err) {
      return resultFromNetworkError(err);
    }
    if (result.status !== 'success' || unserialisable === 0) return result;
    // Delivered, but for the data that could not be written: those are dropped, counted by datum.
    const error = new Error(`${unserialisable} data could not be serialised (nested too deep)`);
    return { status: 'failure', reason: UNSERIALISABLE, error, dropped: { [UNSERIALISABLE]: unserialisable } };
  }
}

/** Resolves the secret reference once per container (cold start), then builds the provider. */
export async function createExampleHttpProvider(config: ExampleHttpConfig, secrets: SecretResolver = createSecretResolver()): Promise<JsonLinesHttpProvider> {
  const authorization = config.authorizationRef === undefined ? undefined : await secrets.resolve(config.authorizationRef);
  return new JsonLinesHttpProvider(config, authorization);
}
