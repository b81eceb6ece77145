/**
 * Configuration of the Prometheus remote-write consumer, read from `PROM_RW_*` variables and
 * validated at cold start: a bad value fails the deployment's first invocation with an error
 * naming the variable, instead of dropping data later.
 */
import { ConfigError } from '../../../shared/errors.ts';
import { optionalBool, optionalEnum, optionalInt, optionalList, optionalString, requireHttpUrl, requireString, type Env } from '../../../shared/config/env.ts';
import { parseSecretRef, type SecretRef } from '../../../shared/secrets/secretRef.ts';

export const DIMENSION_MODES = ['per-set', 'union'] as const;
/** `per-set`: one series per EMF dimension set (CloudWatch's model). `union`: one series per metric with every dimension of the directive. */
export type DimensionMode = (typeof DIMENSION_MODES)[number];

export const NAME_CASES = ['snake', 'preserve'] as const;
/** `snake`: `ProcessingLatency` → `processing_latency` (Prometheus style). `preserve`: only invalid characters are replaced. */
export type NameCase = (typeof NAME_CASES)[number];

export const MERGE_RULES = ['auto', 'last', 'sum', 'min', 'max', 'mean'] as const;
/** How several observations of one series at one millisecond become one sample. `auto`: `sum` for unit Count, `last` otherwise. */
export type MergeRule = (typeof MERGE_RULES)[number];

export const SOURCE_LABELS = ['namespace', 'account', 'region', 'log_group', 'log_stream'] as const;
/** Labels describing where a datum came from; opt-in (none by default, so series match CloudWatch's identity). */
export type SourceLabel = (typeof SOURCE_LABELS)[number];

export const AUTH_TYPES = ['none', 'basic', 'bearer', 'sigv4'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export type AuthConfig =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: SecretRef }
  | { type: 'bearer'; token: SecretRef }
  | { type: 'sigv4'; region: string; service: string };

/** The translation options (pure; no I/O settings). */
export interface TranslateOptions {
  prefix: string;
  namespaceInName: boolean;
  nameCase: NameCase;
  dimensionMode: DimensionMode;
  propertyLabels: readonly string[];
  sourceLabels: readonly SourceLabel[];
  merge: MergeRule;
  /** 1024 or 1000: the multiplier of Kilo/Mega/Giga/Tera in byte and bit units. */
  unitBase: 1024 | 1000;
  maxSamplesPerRequest: number;
  maxRequestBytes: number;
}

/** Retries (backoff, `Retry-After`, deadline) are the consumer handler's (`CONSUMER_*` variables). */
export interface PrometheusConfig {
  url: string;
  translate: TranslateOptions;
  concurrency: number;
  batchSize: number;
  timeoutMs: number;
  auth: AuthConfig;
  headers: Readonly<Record<string, string>>;
  headersRef?: SecretRef;
}

/**
 * Headers the remote-write spec reserves ("users MUST NOT be able to override") or that the
 * HTTP client sets itself. `authorization` belongs in an auth mode or in `PROM_RW_HEADERS_REF`.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'content-encoding', 'content-type', 'user-agent', 'x-prometheus-remote-write-version',
  'content-length', 'host', 'connection', 'transfer-encoding', 'authorization',
]);

const PREFIX_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Translation defaults; also what `toWriteRequests` uses when given partial options. */
export const DEFAULT_TRANSLATE_OPTIONS: TranslateOptions = Object.freeze({
  prefix: '',
  namespaceInName: true,
  nameCase: 'snake',
  dimensionMode: 'per-set',
  propertyLabels: [],
  sourceLabels: [],
  merge: 'auto',
  unitBase: 1024,
  maxSamplesPerRequest: 2000,
  maxRequestBytes: 1_048_576,
});

export function loadPrometheusConfig(env: Env): PrometheusConfig {
  const parsed = requireHttpUrl(env, 'PROM_RW_URL');
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ConfigError('PROM_RW_URL', 'must not contain credentials; use PROM_RW_AUTH=basic with PROM_RW_BASIC_PASSWORD_REF');
  }

  const prefix = optionalString(env, 'PROM_RW_PREFIX', '');
  if (prefix !== '' && !PREFIX_RE.test(prefix)) {
    throw new ConfigError('PROM_RW_PREFIX', `must match [a-zA-Z_][a-zA-Z0-9_]*, got "${prefix}"`);
  }
  const sourceLabels = optionalList(env, 'PROM_RW_SOURCE_LABELS');
  for (const l of sourceLabels) {
    if (!(SOURCE_LABELS as readonly string[]).includes(l)) {
      throw new ConfigError('PROM_RW_SOURCE_LABELS', `entries must be among ${SOURCE_LABELS.join(', ')}, got "${l}"`);
    }
  }
  const unitBase = optionalEnum(env, 'PROM_RW_UNIT_BASE', ['1024', '1000'], '1024');

  const translate: TranslateOptions = Object.freeze({
    prefix,
    namespaceInName: optionalBool(env, 'PROM_RW_NAMESPACE_IN_NAME', true),
    nameCase: optionalEnum(env, 'PROM_RW_NAME_CASE', NAME_CASES, 'snake'),
    dimensionMode: optionalEnum(env, 'PROM_RW_DIMENSION_MODE', DIMENSION_MODES, 'per-set'),
    propertyLabels: Object.freeze(optionalList(env, 'PROM_RW_PROPERTY_LABELS')),
    sourceLabels: Object.freeze(sourceLabels as SourceLabel[]),
    merge: optionalEnum(env, 'PROM_RW_MERGE', MERGE_RULES, 'auto'),
    unitBase: unitBase === '1000' ? 1000 : 1024,
    maxSamplesPerRequest: optionalInt(env, 'PROM_RW_MAX_SAMPLES_PER_REQUEST', 2000, { min: 1, max: 1_000_000 }),
    maxRequestBytes: optionalInt(env, 'PROM_RW_MAX_REQUEST_BYTES', 1_048_576, { min: 4096, max: 64 * 1_048_576 }),
  });

  const headersRefText = optionalString(env, 'PROM_RW_HEADERS_REF');
  const config: PrometheusConfig = {
    url: parsed.toString(),
    translate,
    concurrency: optionalInt(env, 'PROM_RW_CONCURRENCY', 4, { min: 1, max: 64 }),
    batchSize: optionalInt(env, 'PROM_RW_BATCH_SIZE', 10_000, { min: 1, max: 1_000_000 }),
    timeoutMs: optionalInt(env, 'PROM_RW_TIMEOUT_MS', 10_000, { min: 100, max: 900_000 }),
    auth: loadAuth(env),
    headers: Object.freeze(parseHeaders(env)),
    ...(headersRefText === undefined ? {} : { headersRef: parseSecretRef(headersRefText, 'PROM_RW_HEADERS_REF') }),
  };
  return Object.freeze(config);
}

function loadAuth(env: Env): AuthConfig {
  const type = optionalEnum(env, 'PROM_RW_AUTH', AUTH_TYPES, 'none');
  switch (type) {
    case 'none':
      return { type };
    case 'basic':
      return {
        type,
        username: requireString(env, 'PROM_RW_BASIC_USERNAME'),
        password: parseSecretRef(requireString(env, 'PROM_RW_BASIC_PASSWORD_REF'), 'PROM_RW_BASIC_PASSWORD_REF'),
      };
    case 'bearer':
      return { type, token: parseSecretRef(requireString(env, 'PROM_RW_BEARER_TOKEN_REF'), 'PROM_RW_BEARER_TOKEN_REF') };
    case 'sigv4': {
      const region = optionalString(env, 'PROM_RW_SIGV4_REGION') ?? optionalString(env, 'AWS_REGION');
      if (region === undefined) throw new ConfigError('PROM_RW_SIGV4_REGION', 'is required for PROM_RW_AUTH=sigv4 when AWS_REGION is not set');
      return { type, region, service: optionalString(env, 'PROM_RW_SIGV4_SERVICE', 'aps') };
    }
  }
}

function parseHeaders(env: Env): Record<string, string> {
  const text = optionalString(env, 'PROM_RW_HEADERS');
  if (text === undefined) return {};
  return validateHeaders(text, 'PROM_RW_HEADERS', false);
}

/**
 * Parses a JSON object of extra headers and rejects reserved ones. Used for `PROM_RW_HEADERS`
 * (plain, at load) and for the resolved value of `PROM_RW_HEADERS_REF` (where `allowAuthorization`
 * is true when no auth mode sets it).
 */
export function validateHeaders(text: string, variable: string, allowAuthorization: boolean): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(variable, 'must be a JSON object of header names to string values');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(variable, 'must be a JSON object of header names to string values');
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME_RE.test(name)) throw new ConfigError(variable, `has an invalid header name "${name}"`);
    if (typeof value !== 'string' || /[\r\n]/.test(value)) throw new ConfigError(variable, `header "${name}" must have a single-line string value`);
    if (RESERVED_HEADERS.has(lower) && !(allowAuthorization && lower === 'authorization')) {
      throw new ConfigError(variable, `must not set the reserved header "${name}"`);
    }
    if (lower.startsWith('x-amz-')) throw new ConfigError(variable, `must not set "${name}" (set by SigV4 signing)`);
    out[lower] = value;
  }
  return out;
}
