/**
 * Configuration of the StatsD / DogStatsD consumer, read from `STATSD_*` variables once at cold
 * start. A bad value throws a `ConfigError` naming the variable, so a misconfigured deployment
 * fails its first invocation instead of sending malformed or misrouted metrics for hours.
 */
import { isIP } from 'node:net';
import { optionalBool, optionalEnum, optionalInt, optionalList, optionalPairs, optionalString, type Env } from '../../../shared/config/env.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { parseTypeOverrides, type TypeOverride } from '../../../shared/consumer/metricKind.ts';
import {
  DEFAULT_SOCKET_PATH,
  LOCAL_DATAGRAM_BYTES,
  NETWORK_DATAGRAM_BYTES,
  PROTOCOLS,
  SAMPLE_COUNT_MODES,
  SOURCE_TAGS,
  STATSD_TYPES,
  STYLES,
  TIME_TYPES,
  VALUE_TYPES,
  type Protocol,
  type SampleCountMode,
  type SourceTag,
  type StatsdType,
  type Style,
  type TimeType,
  type ValueType,
} from './constants.ts';

/** What the pure serialiser needs (no I/O settings). */
export interface SerialiseOptions {
  style: Style;
  /** Prepended to every metric name with a `.`; empty for none. */
  prefix: string;
  namespaceInName: boolean;
  /** `[key, value]` pairs added to every line, as configured (the serialiser sanitises them for its style). */
  globalTags: readonly (readonly [string, string])[];
  /** Root members of the EMF document that become tags (only these; never all properties). */
  propertyTags: readonly string[];
  sourceTags: readonly SourceTag[];
  timeType: TimeType;
  valueType: ValueType;
  overrides: readonly TypeOverride<StatsdType>[];
  /** DogStatsD `|T<seconds>` from the EMF timestamp, on counters and gauges. */
  timestamps: boolean;
  sampleCounts: SampleCountMode;
  /** In `repeat` mode, larger (or fractional) counts fall back to a sample rate. */
  maxRepeat: number;
}

/** What the transport needs. */
export interface TransportOptions {
  protocol: Protocol;
  host: string;
  port: number;
  socketPath: string;
  /** Datagrams (and TCP writes) are packed with whole lines up to this many bytes. */
  maxDatagramBytes: number;
  /** How long a send may take before it counts as failed (retryable). */
  timeoutMs: number;
  /** hot-shots' client telemetry (`datadog.dogstatsd.client.*` metrics). */
  clientTelemetry: boolean;
}

export interface StatsdConfig {
  serialise: SerialiseOptions;
  transport: TransportOptions;
  /** Data per `send` (the consumer handler splits larger batches). */
  maxBatchSize: number;
}

const PREFIX_RE = /^[A-Za-z][A-Za-z0-9_.]*$/;

/** True for hosts whose traffic never leaves the machine (the Datadog Lambda extension is on 127.0.0.1). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * @example
 * loadStatsdConfig({ STATSD_GLOBAL_TAGS: 'env:prod,service:orders' })
 * // → DogStatsD over UDP to 127.0.0.1:8125 (the Datadog Lambda extension), 8192-byte datagrams
 */
export function loadStatsdConfig(env: Env): StatsdConfig {
  const protocol = optionalEnum(env, 'STATSD_PROTOCOL', PROTOCOLS, 'udp');
  const style = optionalEnum(env, 'STATSD_STYLE', STYLES, 'dogstatsd');
  const host = optionalString(env, 'STATSD_HOST', '127.0.0.1');
  const socketPath = optionalString(env, 'STATSD_SOCKET_PATH', DEFAULT_SOCKET_PATH);
  const local = protocol === 'uds' || isLoopbackHost(host);

  const prefix = optionalString(env, 'STATSD_PREFIX', '');
  if (prefix !== '' && (!PREFIX_RE.test(prefix) || prefix.endsWith('.') || prefix.length > 100)) {
    throw new ConfigError('STATSD_PREFIX', `must start with a letter, hold only letters, digits, "_" and "." (not at the end), at most 100 characters; got "${prefix}"`);
  }

  const timestamps = optionalBool(env, 'STATSD_TIMESTAMPS', false);
  if (timestamps && style !== 'dogstatsd') {
    // Plain StatsD and Telegraf read `|T…` as a malformed sample rate and drop the line.
    throw new ConfigError('STATSD_TIMESTAMPS', `is only supported with STATSD_STYLE=dogstatsd (got ${style})`);
  }

  const sourceTags = optionalList(env, 'STATSD_SOURCE_TAGS');
  for (const s of sourceTags) {
    if (!(SOURCE_TAGS as readonly string[]).includes(s)) {
      throw new ConfigError('STATSD_SOURCE_TAGS', `entries must be among ${SOURCE_TAGS.join(', ')}, got "${s}"`);
    }
  }

  const serialise: SerialiseOptions = Object.freeze({
    style,
    prefix,
    namespaceInName: optionalBool(env, 'STATSD_NAMESPACE_IN_NAME', true),
    globalTags: Object.freeze(optionalPairs(env, 'STATSD_GLOBAL_TAGS')),
    propertyTags: Object.freeze(optionalList(env, 'STATSD_PROPERTY_TAGS')),
    sourceTags: Object.freeze(sourceTags as SourceTag[]),
    // Plain StatsD and Telegraf (without datadog_distributions) have no `d`.
    timeType: optionalEnum(env, 'STATSD_TIME_TYPE', TIME_TYPES, style === 'dogstatsd' ? 'distribution' : 'timing'),
    valueType: optionalEnum(env, 'STATSD_VALUE_TYPE', VALUE_TYPES, 'gauge'),
    overrides: Object.freeze(parseOverrides(env)),
    timestamps,
    sampleCounts: optionalEnum(env, 'STATSD_SAMPLE_COUNTS', SAMPLE_COUNT_MODES, 'rate'),
    maxRepeat: optionalInt(env, 'STATSD_MAX_REPEAT', 1000, { min: 1, max: 100_000 }),
  });

  const transport: TransportOptions = Object.freeze({
    protocol,
    host,
    port: optionalInt(env, 'STATSD_PORT', 8125, { min: 1, max: 65_535 }),
    socketPath,
    maxDatagramBytes: optionalInt(env, 'STATSD_MAX_DATAGRAM_BYTES', local ? LOCAL_DATAGRAM_BYTES : NETWORK_DATAGRAM_BYTES, {
      min: 512,
      max: protocol === 'uds' ? LOCAL_DATAGRAM_BYTES : 65_467,
    }),
    timeoutMs: optionalInt(env, 'STATSD_TIMEOUT_MS', 5_000, { min: 10, max: 900_000 }),
    clientTelemetry: optionalBool(env, 'STATSD_CLIENT_TELEMETRY', false),
  });

  return Object.freeze({
    serialise,
    transport,
    maxBatchSize: optionalInt(env, 'STATSD_MAX_BATCH_SIZE', 1000, { min: 1, max: 1_000_000 }),
  });
}

function parseOverrides(env: Env): TypeOverride<StatsdType>[] {
  try {
    return parseTypeOverrides(optionalList(env, 'STATSD_TYPE_OVERRIDES'), STATSD_TYPES);
  } catch (err) {
    throw new ConfigError('STATSD_TYPE_OVERRIDES', (err as Error).message);
  }
}
