/**
 * Request authentication for remote write: none, basic, bearer token, or AWS SigV4 (Amazon
 * Managed Service for Prometheus, signing name `aps`), plus extra headers. Secrets come by
 * reference and are resolved once per container (cold start); after a 401/403 they are fetched
 * again once, in case they were rotated.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { SecretError, type SecretResolver } from '../../../shared/secrets/secretResolver.ts';
import type { SecretRef } from '../../../shared/secrets/secretRef.ts';
import { validateHeaders, type PrometheusConfig } from './config.ts';

/** What the HTTP client asks of auth for one request. */
export interface RequestAuth {
  /** Headers to add to a request with these headers and body (SigV4 signs both). */
  headersFor(url: URL, headers: Readonly<Record<string, string>>, body: Uint8Array): Promise<Record<string, string>>;
  /** True when credentials come from secrets that `refresh` can fetch again. */
  readonly refreshable: boolean;
  /** Forgets the cached secrets and fetches them again (requests wait for the new values). */
  refresh(): void;
}

export interface AuthDeps {
  secrets: SecretResolver;
  /** SigV4 credentials; default: the AWS SDK's default provider chain (the Lambda role). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** SigV4 signing time (tests sign at a fixed time). */
  now?: () => Date;
}

/** Builds the auth of `config` and resolves its secrets now (cold start), so a missing secret fails early. */
export async function createRequestAuth(config: Pick<PrometheusConfig, 'auth' | 'headersRef'>, deps: AuthDeps): Promise<RequestAuth> {
  const auth = config.auth;
  const refs: SecretRef[] = [];
  if (auth.type === 'basic') refs.push(auth.password);
  if (auth.type === 'bearer') refs.push(auth.token);
  if (config.headersRef) refs.push(config.headersRef);

  const resolveAll = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    if (config.headersRef) {
      const text = await deps.secrets.resolve(config.headersRef);
      Object.assign(out, validateHeaders(text, 'PROM_RW_HEADERS_REF', auth.type === 'none'));
    }
    if (auth.type === 'basic') {
      const password = await deps.secrets.resolve(auth.password);
      out.authorization = `Basic ${Buffer.from(`${auth.username}:${password}`, 'utf8').toString('base64')}`;
    } else if (auth.type === 'bearer') {
      const token = (await deps.secrets.resolve(auth.token)).trim();
      // A token that cannot be a header value would fail every request; fail at cold start instead.
      if (token === '' || /[^\x21-\x7e]/.test(token)) {
        throw new SecretError(`the bearer token in ${auth.token.text} is empty or has characters a header cannot carry`, 'secret_invalid');
      }
      out.authorization = `Bearer ${token}`;
    }
    return out;
  };

  // The resolved headers; a failed (re)fetch is forgotten, so the next request tries again.
  let current: Promise<Record<string, string>> | undefined;
  const load = (): Promise<Record<string, string>> => {
    const p = resolveAll();
    current = p;
    p.catch(() => {
      if (current === p) current = undefined;
    });
    return p;
  };
  await load();

  const signer =
    auth.type === 'sigv4'
      ? new SignatureV4({ service: auth.service, region: auth.region, credentials: deps.credentials ?? defaultProvider(), sha256: Sha256 })
      : undefined;
  const now = deps.now ?? (() => new Date());

  return {
    async headersFor(url, headers, body) {
      const fixed = await (current ?? load());
      if (signer === undefined) return fixed;
      return { ...fixed, ...(await signRequest(signer, url, { ...headers, ...fixed }, body, now())) };
    },
    refreshable: refs.length > 0,
    refresh() {
      if (refs.length === 0) return;
      for (const r of refs) deps.secrets.invalidate(r);
      // A failed re-fetch surfaces on the next request (as a retryable error), not here.
      load().catch(() => undefined);
    },
  };
}

/**
 * SigV4-signs a POST of `body` to `url` with `headers`, returning the headers to send on top of
 * `headers` (`authorization`, `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token`).
 * `host` is signed but not returned: the HTTP client derives it from the URL, the same value.
 */
export async function signRequest(
  signer: SignatureV4,
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  signingDate: Date,
): Promise<Record<string, string>> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query,
      headers: { ...headers, host: url.host },
      body,
    },
    { signingDate },
  );
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) {
    const lower = k.toLowerCase();
    if (lower === 'host' || lower in headers) continue;
    out[lower] = v;
  }
  return out;
}
