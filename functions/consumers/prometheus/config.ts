/**
 * Configuration of the Prometheus remote-write consumer, read from `PROM_RW_*` variables and
 * validated at cold start: a bad value fails the deployment's first invocation with an error
 * naming the variable, instead of dropping data later.
 */
import { parseTypeOverrides, type TypeOverride } from '../../../shared/consumer/metricKind.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { optionalBool, optionalEnum, optionalInt, optionalList, optionalString, requireHttpUrl, requireString, type Env } from '../../../shared/config/env.ts';
import { parseSecretRef, type SecretRef } from '../../../shared/secrets/secretRef.ts';

const DIMENSION_MODES = ['per-set', 'union'] as const;
/** `per-set`: one series per EMF dimension set (CloudWatch's model). `union`: one series per metric with every dimension of the directive. */
type DimensionMode = (typeof DIMENSION_MODES)[number];

const NAME_CASES = ['snake', 'preserve'] as const;
/** `snake`: `ProcessingLatency` → `processing_latency` (Prometheus style). `preserve`: only invalid characters are replaced. */
export type NameCase = (typeof NAME_CASES)[number];

const MERGE_RULES = ['auto', 'last', 'sum', 'min', 'max', 'mean'] as const;
/** How several observations of one series at one millisecond become one sample. `auto`: `sum` for unit Count, `last` otherwise. */
export type MergeRule = (typeof MERGE_RULES)[number];

const MODES = ['cumulative', 'samples'] as const;
/**
 * `cumulative` (default): each consumer container keeps cumulative counters, histograms, summaries and gauges
 * for the series it has seen and writes them under its own writer label, stamped with its own clock.
 * `samples`: one sample per observation at the EMF timestamp (needs an out-of-order window; concurrent writers of
 * one series collide).
 */
export type Mode = (typeof MODES)[number];

const PROM_TYPES = ['counter', 'gauge', 'histogram', 'summary'] as const;
/** What an EMF metric becomes in `cumulative` mode (`shared/consumer/metricKind.ts` picks one by unit, overrides by name). */
export type PromType = (typeof PROM_TYPES)[number];

/** Upper bounds (seconds) of the default histogram buckets: Lambda durations from 1 ms to its 15-minute limit. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900]);

/** The `cumulative` mode's own settings. */
export interface CumulativeOptions {
  /** Label that keeps the series of one consumer container apart from the others'. */
  writerLabel: string;
  typeOverrides: readonly TypeOverride<PromType>[];
  /** Histogram upper bounds, ascending, finite (`+Inf` is always added). */
  buckets: readonly number[];
  /** A series not updated for this long is written again (its unchanged value) at the next flush. */
  heartbeatMs: number;
  /** A series not updated for this long is forgotten (it restarts from zero if it comes back). */
  idleExpiryMs: number;
  /** Series (EMF metric × label set) one container keeps; data of further series are dropped and counted. */
  maxSeries: number;
}

const SOURCE_LABELS = ['namespace', 'account', 'region', 'log_group', 'log_stream'] as const;
/** Labels describing where a datum came from; opt-in (none by default, so series match CloudWatch's identity). */
export type SourceLabel = (typeof SOURCE_LABELS)[number];

const AUTH_TYPES = ['none', 'basic', 'bearer', 'sigv4'] as const;

type AuthConfig =
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
  mode: Mode;
  cumulative: CumulativeOptions;
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
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
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
  mode: 'cumulative',
  cumulative: Object.freeze({
    writerLabel: 'emf_fanout_writer',
    typeOverrides: [],
    buckets: DEFAULT_BUCKETS,
    heartbeatMs: 60_000,
    idleExpiryMs: 15 * 60_000,
    maxSeries: 100_000,
  }),
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
    mode: optionalEnum(env, 'PROM_RW_MODE', MODES, 'cumulative'),
    cumulative: loadCumulative(env),
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

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function loadCumulative(env: Env): CumulativeOptions {
  const writerLabel = optionalString(env, 'PROM_RW_WRITER_LABEL', 'emf_fanout_writer');
  if (!LABEL_NAME_RE.test(writerLabel) || writerLabel.startsWith('__') || writerLabel === 'le') {
    throw new ConfigError('PROM_RW_WRITER_LABEL', `must be a label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__", not "le"), got "${writerLabel}"`);
  }
  let typeOverrides: TypeOverride<PromType>[];
  try {
    typeOverrides = parseTypeOverrides(optionalList(env, 'PROM_RW_TYPE_OVERRIDES'), PROM_TYPES);
  } catch (err) {
    throw new ConfigError('PROM_RW_TYPE_OVERRIDES', (err as Error).message);
  }
  const heartbeatSeconds = optionalInt(env, 'PROM_RW_HEARTBEAT_SECONDS', 60, { min: 1, max: 86_400 });
  // At least Lambda's longest invocation: a series is never forgotten while an invocation holds observations for it.
  const idleExpirySeconds = optionalInt(env, 'PROM_RW_IDLE_EXPIRY_SECONDS', 900, { min: 900, max: 7 * 86_400 });
  if (idleExpirySeconds < heartbeatSeconds) {
    throw new ConfigError('PROM_RW_IDLE_EXPIRY_SECONDS', `must be at least PROM_RW_HEARTBEAT_SECONDS (${heartbeatSeconds}), got ${idleExpirySeconds}`);
  }
  return Object.freeze({
    writerLabel,
    typeOverrides: Object.freeze(typeOverrides),
    buckets: Object.freeze(parseBuckets(env)),
    heartbeatMs: heartbeatSeconds * 1000,
    idleExpiryMs: idleExpirySeconds * 1000,
    maxSeries: optionalInt(env, 'PROM_RW_MAX_SERIES', 100_000, { min: 1, max: 10_000_000 }),
  });
}

/** `PROM_RW_HISTOGRAM_BUCKETS`: comma-separated finite upper bounds, strictly ascending, at most 100 (`+Inf` is implied). */
function parseBuckets(env: Env): number[] {
  const entries = optionalList(env, 'PROM_RW_HISTOGRAM_BUCKETS');
  if (entries.length === 0) return [...DEFAULT_BUCKETS];
  if (entries.length > 100) throw new ConfigError('PROM_RW_HISTOGRAM_BUCKETS', `must have at most 100 bounds, got ${entries.length}`);
  const out: number[] = [];
  for (const e of entries) {
    const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(e) ? Number(e) : Number.NaN;
    if (!Number.isFinite(n)) throw new ConfigError('PROM_RW_HISTOGRAM_BUCKETS', `entries must be finite numbers (+Inf is implied), got "${e}"`);
    if (out.length > 0 && n <= out[out.length - 1]!) throw new ConfigError('PROM_RW_HISTOGRAM_BUCKETS', `must be strictly ascending, got "${e}" after ${out[out.length - 1]}`);
    out.push(n);
  }
  return out;
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
