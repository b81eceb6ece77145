/**
 * The example provider: POSTs each chunk as JSON lines (`application/x-ndjson`), one
 * `MetricDatum` per line. Small on purpose: it is the template for writing your own provider
 * (README "Adding a provider"). Serialising is a pure function; `send` only does the I/O and
 * maps the answer to a `SendResult`.
 */
import { resultFromHttpStatus, resultFromNetworkError } from '../../../shared/consumer/http.ts';
import type { MetricData, Provider, SendContext, SendResult } from '../../../shared/consumer/types.ts';
import { createSecretResolver, type SecretResolver } from '../../../shared/secrets/secretResolver.ts';
import type { ExampleHttpConfig } from './config.ts';

/** One line per datum, each ending in `\n`: what the receiver gets. */
export function toJsonLines(data: MetricData): string {
  let body = '';
  data.forEach((d) => {
    body += JSON.stringify(d) + '\n';
  });
  return body;
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

  async send(data: MetricData, ctx: SendContext): Promise<SendResult> {
    const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    try {
      const res = await fetch(this.config.url, {
        method: 'POST',
        headers,
        body: toJsonLines(data),
        // Whichever comes first: the invocation's deadline or this request's own timeout.
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
      // Read the body even on success: it frees the keep-alive connection, and errors explain themselves.
      return resultFromHttpStatus(res.status, res.headers.get('retry-after'), await res.text());
    } catch (err) {
      return resultFromNetworkError(err);
    }
  }
}

/** Resolves the secret reference once per container (cold start), then builds the provider. */
export async function createExampleHttpProvider(config: ExampleHttpConfig, secrets: SecretResolver = createSecretResolver()): Promise<JsonLinesHttpProvider> {
  const authorization = config.authorizationRef === undefined ? undefined : await secrets.resolve(config.authorizationRef);
  return new JsonLinesHttpProvider(config, authorization);
}
