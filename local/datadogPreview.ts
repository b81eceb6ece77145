/**
 * `npm start -- --show datadog`: the real Datadog provider (`createDatadogProvider`, configured by every
 * `DD_*` variable) posting to a `fetch` in this process instead of Datadog's API. The fake `fetch` inflates
 * each body as the intake would, keeps the request's URL and JSON body in the order sent, and answers 202
 * (the intake's only success); at the end of the run `render` prints every request, its URL and then its
 * body as pretty-printed JSON:
 *
 *   # datadog preview (DD_MODE=distributions): 1 request, not sent to https://api.datadoghq.com; every request in the order sent, its JSON body before compression:
 *   POST https://api.datadoghq.com/api/v1/distribution_points
 *   {
 *     "series": [
 *       {
 *         "metric": "emf_fanout_checkout.OrderValue",
 *         "type": "distribution",
 *         "tags": [
 *           "loggroup:checkout",
 *   …
 *
 * Nothing leaves the machine: `DD_URL` or `DD_SITE`, when set, only decide the URL printed, and the API key
 * is not fetched: `DD_API_KEY_REF` is validated (a placeholder reference stands in when it is not set) and
 * a resolver in this process answers a placeholder key.
 */
import { inflateSync } from 'node:zlib';
import type { Env } from '../shared/config/env.ts';
import type { AnyProvider as Provider } from '../shared/consumer/types.ts';
import type { SecretResolver } from '../shared/secrets/secretResolver.ts';
import type { DatadogMode } from '../functions/consumers/datadog/config.ts';

/** Stands in for `DD_API_KEY_REF` when it is not set; never fetched. */
const PREVIEW_API_KEY_REF = 'ssm:/emf-fanout/preview';

/** The key the preview's resolver answers for any reference (sent to the fake `fetch` only). */
const PREVIEW_API_KEY = 'emf-fanout-preview';

/** Datadog's limit on a decompressed body (5 MiB); a larger one is not inflated. */
const MAX_BODY_BYTES = 5_242_880;

/** One request the provider made, as the intake would read it. */
export interface PreviewRequest {
  /** The whole URL posted to: the base URL and the endpoint's path. */
  url: string;
  /** The endpoint, `/api/v1/distribution_points` or `/api/v2/series`. */
  path: string;
  /** The inflated body, parsed. */
  body: unknown;
}

/** A resolver that answers the placeholder key for any reference: nothing is fetched. */
const placeholderSecrets: SecretResolver = {
  resolve: () => Promise.resolve(PREVIEW_API_KEY),
  invalidate: () => undefined,
};

/** What the fake `fetch` received, and the settings the header names. */
export class DatadogPreview {
  /** The requests, in the order sent. */
  readonly requests: PreviewRequest[] = [];
  /** `DD_MODE` as configured; set when the provider is created. */
  mode: DatadogMode | undefined;
  /** The API's base URL (`DD_URL`, or `DD_SITE`'s API); set when the provider is created, never contacted. */
  baseUrl: string | undefined;

  /** A `fetch` for `DatadogProviderDeps`: inflates and parses the body, records it, answers 202 (400 if it cannot be read). */
  readonly fetch: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = init?.body;
    if (!(body instanceof Uint8Array)) return new Response('datadog preview: the body is not bytes', { status: 400 });
    let parsed: unknown;
    try {
      parsed = JSON.parse(inflateSync(body, { maxOutputLength: MAX_BODY_BYTES }).toString('utf8'));
    } catch (err) {
      return new Response(`datadog preview: cannot read the body: ${(err as Error).message}`, { status: 400 });
    }
    this.requests.push({ url, path: new URL(url).pathname, body: parsed });
    return new Response('{"errors":[]}', { status: 202, headers: { 'content-type': 'application/json' } });
  };

  /** The header line, then each request: `POST <url>` and its body as JSON indented by two spaces. */
  render(): string {
    const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
    const header = `# datadog preview (DD_MODE=${this.mode ?? '?'}): ${plural(this.requests.length, 'request')}, not sent to ${this.baseUrl ?? '?'}; every request in the order sent, its JSON body before compression:`;
    const blocks = this.requests.map((r) => `POST ${r.url}\n${JSON.stringify(r.body, null, 2)}`);
    return [header, ...blocks].join('\n') + '\n';
  }
}

/**
 * The real provider, configured by `env`'s `DD_*` variables, posting to `preview`'s fake `fetch`.
 * Throws the provider's `ConfigError` on a bad setting, as without the preview.
 */
export async function createDatadogPreviewProvider(env: Env, preview: DatadogPreview): Promise<Provider> {
  const { loadDatadogConfig } = await import('../functions/consumers/datadog/config.ts');
  const { createDatadogProvider } = await import('../functions/consumers/datadog/DatadogProvider.ts');
  const given = (env.DD_API_KEY_REF ?? '').trim() !== '';
  const config = loadDatadogConfig(given ? env : { ...env, DD_API_KEY_REF: PREVIEW_API_KEY_REF });
  preview.mode = config.translate.mode;
  preview.baseUrl = config.baseUrl;
  return createDatadogProvider(config, { fetch: preview.fetch, secrets: placeholderSecrets });
}
