/**
 * Params that only the static templates read (serverless.yml, infra/resources/*.yml, through
 * `${param:…}`), checked here so a value the template would carry into a failed deployment or
 * a misbehaving function fails `sls package` instead, naming the param and its allowed values.
 */
import type { LogLevel } from '../../shared/log/logger.ts';
import { ParamError, type Params } from './params.ts';

/** What infra/resources/stream.yml supports: `StreamModeDetails.StreamMode`, and `StreamIsProvisioned` for the shard count. */
export const STREAM_MODES = ['ON_DEMAND', 'PROVISIONED'] as const;

/** The logger's levels (shared/log/logger.ts falls back to `info` on anything else, silently). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const satisfies readonly LogLevel[];

/** `provider.logRetentionInDays` as osls' configuration schema accepts it (CloudWatch Logs PutRetentionPolicy). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export async function checkTemplateParams(p: Params): Promise<void> {
  await p.string('region');
  const level = await p.string('logLevel');
  if (!(LOG_LEVELS as readonly string[]).includes(level.toLowerCase())) {
    throw new ParamError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  }
  const retention = await p.int('logRetentionDays', 1, 3653);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(retention)) {
    throw new ParamError('logRetentionDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${retention}`);
  }
  const mode = await p.string('streamMode', { oneOf: STREAM_MODES });
  // Read by the template in either mode; it only matters (and must be a count) when provisioned.
  if (mode === 'PROVISIONED') await p.int('streamShardCount', 1, Number.POSITIVE_INFINITY);
  else await p.scalar('streamShardCount');
  await p.int('streamRetentionHours', 24, 8_760);
  await p.string('streamKmsKeyArn', { allowEmpty: true });
  await p.string('logsPermissionLogGroupPattern');
  await p.string('alarmTopicArn', { allowEmpty: true });
  await p.int('alarmErrorsThreshold', 1, 1_000_000);
  // The parking bucket's lifecycle rule (infra/resources/forwarder.yml): S3 takes a positive number of days.
  await p.int('forwarderParkedEventDays', 1, 3_650);
}
