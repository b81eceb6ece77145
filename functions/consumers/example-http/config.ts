/**
 * Configuration of the example JSON-lines provider, read once at cold start; a bad value
 * throws a `ConfigError` naming the variable.
 */
import { optionalInt, optionalString, requireHttpUrl, type Env } from '../../../shared/config/env.ts';
import { parseSecretRef, type SecretRef } from '../../../shared/secrets/secretRef.ts';

export interface ExampleHttpConfig {
  /** `EXAMPLE_HTTP_URL`: where the lines are POSTed (http or https). */
  url: string;
  /** `EXAMPLE_HTTP_MAX_BATCH_SIZE`: data (lines) per request. @default 500 */
  maxBatchSize: number;
  /** `EXAMPLE_HTTP_TIMEOUT_MS`: per-request timeout, on top of the invocation deadline. @default 10000 */
  timeoutMs: number;
  /**
   * `EXAMPLE_HTTP_AUTHORIZATION_REF`: a secret reference (`ssm:/path`, `secretsmanager:name[#key]`) whose value
   * is sent as the `Authorization` header. Never the value itself: secrets are given by reference.
   */
  authorizationRef?: SecretRef;
}

/**
 * @example
 * loadConfig({ EXAMPLE_HTTP_URL: 'https://metrics.example.com/ingest' })
 * // → { url: 'https://metrics.example.com/ingest', maxBatchSize: 500, timeoutMs: 10000 }
 */
export function loadConfig(env: Env): ExampleHttpConfig {
  const parsed = requireHttpUrl(env, 'EXAMPLE_HTTP_URL');
  const ref = optionalString(env, 'EXAMPLE_HTTP_AUTHORIZATION_REF');
  return Object.freeze({
    url: parsed.toString(),
    maxBatchSize: optionalInt(env, 'EXAMPLE_HTTP_MAX_BATCH_SIZE', 500, { min: 1, max: 100_000 }),
    timeoutMs: optionalInt(env, 'EXAMPLE_HTTP_TIMEOUT_MS', 10_000, { min: 1, max: 900_000 }),
    ...(ref !== undefined ? { authorizationRef: parseSecretRef(ref, 'EXAMPLE_HTTP_AUTHORIZATION_REF') } : {}),
  });
}
