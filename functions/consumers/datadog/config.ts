/**
 * Configuration of the Datadog HTTP API consumer, read from `DD_*` variables once at cold start. A bad
 * value throws a `ConfigError` naming the variable, and `npm run package` runs the same check, so a
 * misconfigured stage is never deployed (docs/datadog.md#settings).
 */
import { optionalBool, optionalEnum, optionalInt, optionalList, optionalPairs, optionalString, requireHttpUrl, requireString, type Env } from '../../../shared/config/env.ts';
import { parseTypeOverrides, type TypeOverride } from '../../../shared/consumer/metricKind.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { parseSecretRef, type SecretRef } from '../../../shared/secrets/secretRef.ts';

/** Datadog sites (`DD_SITE`); the API is `https://api.<site>`. https://docs.datadoghq.com/getting_started/site/ */
const DATADOG_SITES = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'uk1.datadoghq.com',
  'ddog-gov.com',
  'us2.ddog-gov.com',
] as const;

/** Short names accepted for `DD_SITE`, as the issue tracker and Datadog's own docs write them. */
const SITE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['us1', 'datadoghq.com'],
  ['us3', 'us3.datadoghq.com'],
  ['us5', 'us5.datadoghq.com'],
  ['eu', 'datadoghq.eu'],
  ['eu1', 'datadoghq.eu'],
  ['ap1', 'ap1.datadoghq.com'],
  ['ap2', 'ap2.datadoghq.com'],
  ['uk1', 'uk1.datadoghq.com'],
  ['gov', 'ddog-gov.com'],
  ['us1-fed', 'ddog-gov.com'],
  ['us2-fed', 'us2.ddog-gov.com'],
]);

/** What an EMF metric becomes: a distribution (v1 distribution points), or a count or gauge series (v2 series). */
const DATADOG_TYPES = ['distribution', 'count', 'gauge'] as const;
export type DatadogType = (typeof DATADOG_TYPES)[number];

const MODES = ['distributions', 'series'] as const;
/**
 * `distributions` (default): every metric is a distribution, which Datadog merges across writers.
 * `series`: unit `Count` → count, any other unit → gauge, aggregated per writer and interval.
 */
export type DatadogMode = (typeof MODES)[number];

const SOURCE_TAGS = ['namespace', 'account', 'region', 'log_group', 'log_stream'] as const;
/** Opt-in tags describing where a datum came from (the StatsD consumer's names). */
type DatadogSourceTag = (typeof SOURCE_TAGS)[number];

/** What turns data into payloads (pure; no I/O settings). */
export interface DatadogTranslateOptions {
  mode: DatadogMode;
  overrides: readonly TypeOverride<DatadogType>[];
  prefix: string;
  namespaceInName: boolean;
  /** `[key, value]` pairs added to every series, as configured (normalised like every tag). */
  globalTags: readonly (readonly [string, string])[];
  propertyTags: readonly string[];
  sourceTags: readonly DatadogSourceTag[];
  /** Points older than this (seconds) are not accepted by Datadog (one hour without Historical Metrics Ingestion). */
  maxPointAgeSeconds: number;
  /** Points more than this many seconds ahead are not accepted (Datadog: ten minutes). */
  maxPointFutureSeconds: number;
  /** `series` mode: the interval (seconds) counts and gauges are aggregated over, per writer. */
  intervalSeconds: number;
  /** `series` mode: the tag key that keeps one consumer container's series apart from the others'. */
  writerTag: string;
  /** `series` mode: series × intervals one container keeps; points of further ones are dropped and counted. */
  maxSeries: number;
  /** A datum whose observations (weights expanded) are more than this is dropped and counted. */
  maxValuesPerDatum: number;
  /** JSON bytes of one request before compression (at most 500,000: then the compressed body always fits 512,000). */
  maxRequestBytes: number;
}

export interface DatadogConfig {
  /** The API's base URL, `https://api.<site>` or `DD_URL`. */
  baseUrl: string;
  apiKey: SecretRef;
  translate: DatadogTranslateOptions;
  /** Data per `send` (the consumer handler splits larger batches). */
  batchSize: number;
  timeoutMs: number;
}

const PREFIX_RE = /^[A-Za-z][A-Za-z0-9_.]*$/;
const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;
const TAG_KEY_RE = /^[a-z][a-z0-9_.\-/]*$/;
/** Tag keys a global tag may not use: Datadog reads them as the metric's origin (`host` is billed as one). */
const REFUSED_GLOBAL_TAG_KEYS: ReadonlySet<string> = new Set(['host', 'device', 'source']);

/**
 * @example
 * loadDatadogConfig({ DD_API_KEY_REF: 'secretsmanager:datadog/api-key', DD_SITE: 'datadoghq.eu' })
 * // → distributions to https://api.datadoghq.eu, the key read from Secrets Manager at cold start
 */
export function loadDatadogConfig(env: Env): DatadogConfig {
  const apiKey = parseSecretRef(requireString(env, 'DD_API_KEY_REF'), 'DD_API_KEY_REF');
  const mode = optionalEnum(env, 'DD_MODE', MODES, 'distributions');

  const prefix = optionalString(env, 'DD_PREFIX', '');
  if (prefix !== '' && (!PREFIX_RE.test(prefix) || prefix.endsWith('.') || prefix.length > 100)) {
    throw new ConfigError('DD_PREFIX', `must start with a letter, hold only letters, digits, "_" and "." (not at the end), at most 100 characters; got "${prefix}"`);
  }
  const sourceTags = optionalList(env, 'DD_SOURCE_TAGS');
  for (const s of sourceTags) {
    if (!(SOURCE_TAGS as readonly string[]).includes(s)) throw new ConfigError('DD_SOURCE_TAGS', `entries must be among ${SOURCE_TAGS.join(', ')}, got "${s}"`);
  }
  let overrides: TypeOverride<DatadogType>[];
  try {
    overrides = parseTypeOverrides(optionalList(env, 'DD_TYPE_OVERRIDES'), DATADOG_TYPES);
  } catch (err) {
    throw new ConfigError('DD_TYPE_OVERRIDES', (err as Error).message);
  }
  const writerTag = optionalString(env, 'DD_WRITER_TAG', 'emf_fanout_writer');
  if (!TAG_KEY_RE.test(writerTag) || writerTag.length > 100) {
    throw new ConfigError('DD_WRITER_TAG', `must be a lower-case tag key (a letter, then letters, digits, "_", "-", ".", "/"), at most 100 characters; got "${writerTag}"`);
  }

  const translate: DatadogTranslateOptions = Object.freeze({
    mode,
    overrides: Object.freeze(overrides),
    prefix,
    namespaceInName: optionalBool(env, 'DD_NAMESPACE_IN_NAME', true),
    globalTags: Object.freeze(parseGlobalTags(env)),
    propertyTags: Object.freeze(optionalList(env, 'DD_PROPERTY_TAGS')),
    sourceTags: Object.freeze(sourceTags as DatadogSourceTag[]),
    // Historical Metrics Ingestion accepts points up to a year old; without it, one hour.
    maxPointAgeSeconds: optionalInt(env, 'DD_MAX_POINT_AGE_SECONDS', 3_600, { min: 60, max: 366 * 86_400 }),
    maxPointFutureSeconds: 600,
    intervalSeconds: optionalInt(env, 'DD_SERIES_INTERVAL_SECONDS', 60, { min: 1, max: 3_600 }),
    writerTag,
    maxSeries: optionalInt(env, 'DD_MAX_SERIES', 100_000, { min: 1, max: 10_000_000 }),
    maxValuesPerDatum: optionalInt(env, 'DD_MAX_VALUES_PER_DATUM', 100_000, { min: 100, max: 10_000_000 }),
    maxRequestBytes: optionalInt(env, 'DD_MAX_REQUEST_BYTES', 500_000, { min: 1_024, max: 500_000 }),
  });

  return Object.freeze({
    baseUrl: baseUrlOf(env),
    apiKey,
    translate,
    batchSize: optionalInt(env, 'DD_BATCH_SIZE', 10_000, { min: 1, max: 1_000_000 }),
    timeoutMs: optionalInt(env, 'DD_TIMEOUT_MS', 10_000, { min: 100, max: 900_000 }),
  });
}

/** `DD_URL` (a proxy, a compatible receiver, a test) or the API of `DD_SITE`; never both. */
function baseUrlOf(env: Env): string {
  const site = optionalString(env, 'DD_SITE');
  if (optionalString(env, 'DD_URL') !== undefined) {
    if (site !== undefined) throw new ConfigError('DD_URL', 'and DD_SITE are both set: give one (DD_URL replaces the site\'s API address)');
    const url = requireHttpUrl(env, 'DD_URL');
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
      throw new ConfigError('DD_URL', 'must be a base URL without credentials, query or fragment (the API key is DD_API_KEY_REF)');
    }
    // The API key travels in a header: only over TLS, or to this machine (a local proxy, a test intake).
    if (url.protocol !== 'https:' && !LOOPBACK_HOSTS.test(url.hostname)) {
      throw new ConfigError('DD_URL', `must be https (the API key is sent with every request), or http to a loopback address; got ${url.protocol}//${url.host}`);
    }
    return url.toString().replace(/\/+$/, '');
  }
  const given = (site ?? 'datadoghq.com').trim().toLowerCase();
  const canonical = SITE_ALIASES.get(given) ?? given;
  if (!(DATADOG_SITES as readonly string[]).includes(canonical)) {
    throw new ConfigError('DD_SITE', `must be one of ${DATADOG_SITES.join(', ')} (or us3, us5, eu, ap1, ap2, uk1, gov), got "${site}"`);
  }
  return `https://api.${canonical}`;
}

/** `DD_GLOBAL_TAGS`: `key:value` pairs, none of them a key Datadog reads as the metric's origin. */
function parseGlobalTags(env: Env): [string, string][] {
  const pairs = optionalPairs(env, 'DD_GLOBAL_TAGS');
  for (const [key] of pairs) {
    if (REFUSED_GLOBAL_TAG_KEYS.has(key.toLowerCase())) {
      throw new ConfigError('DD_GLOBAL_TAGS', `must not set "${key}": Datadog reads it as the origin of the metric (a host is billed as one); the pipeline's metrics have none`);
    }
  }
  return pairs;
}
