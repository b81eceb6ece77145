import { type Env, optionalBool, optionalEnum, optionalInt, optionalList, optionalString, requireString } from '../../shared/config/env.ts';
import { ConfigError } from '../../shared/errors.ts';
import { pipelineFunctionName, pipelineMetricsEnabled } from '../../shared/pipeline/PipelineMetricsPublisher.ts';
import { RECORD_COMPRESSIONS, type RecordCompression } from '../../shared/record/format.ts';

export interface ForwarderConfig {
  streamName: string;
  region: string;
  platformMetrics: boolean;
  platformNamespace: string;
  compression: RecordCompression;
  recordTargetBytes: number;
  maxRecordBytes: number;
  maxDecompressedBytes: number;
  /** Exact log group names and prefixes (entries ending in `*`) never forwarded: the pipeline's own. */
  excludeLogGroups: string[];
  /** Time kept free before the Lambda deadline when retrying Kinesis writes. */
  deadlineMarginMs: number;
  retryAttempts: number;
  /** `PIPELINE_METRICS`: print the forwarder's own metrics, one EMF document per invocation (docs/monitoring.md). */
  pipelineMetrics: boolean;
  /** The `FunctionName` dimension of those metrics: `AWS_LAMBDA_FUNCTION_NAME`, locally `forwarder`. */
  functionName: string;
}

/**
 * `RECORD_TARGET_BYTES` when unset: the target counts the record's JSON before compression. Compressed, a
 * 1 MiB JSON record is some 5-25 times smaller on the wire: four times fewer records than at 256 KiB against
 * Kinesis' 1,000 records/s per shard, and less of each record's last 25 KB payload unit unused. On the bench
 * corpus, which repeats its documents, brotli also runs faster and compresses 30 % better on one large record
 * than on four small ones (about 0.05-0.09x of the forwarder's lower bound); with every digit made random, the
 * same speed and 2 % better. Uncompressed, the JSON is the record: 256 KiB keeps a consumer's invocation (6 MB
 * of base64 at most) holding many records.
 */
export const DEFAULT_RECORD_TARGET_BYTES: Readonly<Record<RecordCompression, number>> = { brotli: 1_048_576, gzip: 1_048_576, none: 262_144 };

/** Reads and validates the forwarder's environment at cold start; a bad value names its variable. */
export function loadForwarderConfig(env: Env): ForwarderConfig {
  const maxRecordBytes = optionalInt(env, 'KINESIS_MAX_RECORD_BYTES', 1_048_576, { min: 65_536, max: 10_485_760 });
  const compression = optionalEnum(env, 'RECORD_COMPRESSION', RECORD_COMPRESSIONS, 'brotli');
  const recordTargetBytes = optionalInt(env, 'RECORD_TARGET_BYTES', DEFAULT_RECORD_TARGET_BYTES[compression], { min: 1_024, max: 10_485_760 });
  if (compression === 'none' && recordTargetBytes > maxRecordBytes - 1_024) {
    throw new ConfigError('RECORD_TARGET_BYTES', `must leave room under KINESIS_MAX_RECORD_BYTES (${maxRecordBytes}) when RECORD_COMPRESSION=none`);
  }
  const region = optionalString(env, 'AWS_REGION') ?? optionalString(env, 'AWS_DEFAULT_REGION');
  if (region === undefined) throw new ConfigError('AWS_REGION', 'is required (Lambda sets it)');
  const own = optionalString(env, 'AWS_LAMBDA_LOG_GROUP_NAME');
  return Object.freeze({
    streamName: requireString(env, 'KINESIS_STREAM_NAME'),
    region,
    platformMetrics: optionalBool(env, 'PLATFORM_METRICS', true),
    platformNamespace: optionalString(env, 'PLATFORM_NAMESPACE', 'EmfFanout/Lambda'),
    compression,
    recordTargetBytes,
    maxRecordBytes,
    maxDecompressedBytes: optionalInt(env, 'MAX_DECOMPRESSED_BYTES', 33_554_432, { min: 65_536, max: 1_073_741_824 }),
    excludeLogGroups: [...optionalList(env, 'EXCLUDE_LOG_GROUPS'), ...(own ? [own] : [])],
    deadlineMarginMs: optionalInt(env, 'DEADLINE_MARGIN_MS', 3_000, { min: 0, max: 600_000 }),
    retryAttempts: optionalInt(env, 'KINESIS_RETRY_ATTEMPTS', 8, { min: 0, max: 100 }),
    pipelineMetrics: pipelineMetricsEnabled(env),
    functionName: pipelineFunctionName(env, 'forwarder'),
  });
}

/** True when the log group is one of the pipeline's own (exact name, or prefix for entries ending in `*`). */
export function isExcluded(logGroup: string, patterns: readonly string[]): boolean {
  for (const p of patterns) {
    if (p.endsWith('*') ? logGroup.startsWith(p.slice(0, -1)) : logGroup === p) return true;
  }
  return false;
}
