import { describe, expect, it } from 'vitest';
import { isExcluded, loadForwarderConfig } from '../../../functions/forwarder/config.ts';
import { ConfigError } from '../../../shared/errors.ts';

const base = { KINESIS_STREAM_NAME: 'emf', AWS_REGION: 'eu-west-1' };

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadForwarderConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadForwarderConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadForwarderConfig({ ...base, AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/emf-fanout-prod-forwarder' })).toEqual({
      streamName: 'emf', region: 'eu-west-1', platformMetrics: true, platformNamespace: 'EmfFanout/Lambda', compression: 'brotli',
      recordTargetBytes: 1_048_576, maxRecordBytes: 1_048_576, maxDecompressedBytes: 33_554_432,
      excludeLogGroups: ['/aws/lambda/emf-fanout-prod-forwarder'], deadlineMarginMs: 3_000, retryAttempts: 8,
      pipelineMetrics: true, functionName: 'forwarder',
    });
  });

  it('targets 1 MiB of JSON per compressed record and 256 KiB per uncompressed one, unless told', () => {
    expect(loadForwarderConfig({ ...base, RECORD_COMPRESSION: 'gzip' }).recordTargetBytes).toBe(1_048_576);
    expect(loadForwarderConfig({ ...base, RECORD_COMPRESSION: 'none' }).recordTargetBytes).toBe(262_144);
    // Serverless passes an empty parameter as an empty string: the default by compression applies.
    expect(loadForwarderConfig({ ...base, RECORD_COMPRESSION: 'none', RECORD_TARGET_BYTES: '' }).recordTargetBytes).toBe(262_144);
    expect(loadForwarderConfig({ ...base, RECORD_TARGET_BYTES: '65536' }).recordTargetBytes).toBe(65_536);
  });

  it('names the variable that is missing or wrong', () => {
    expect(errorOf({ AWS_REGION: 'x' }).variable).toBe('KINESIS_STREAM_NAME');
    expect(errorOf({ KINESIS_STREAM_NAME: 's' }).variable).toBe('AWS_REGION');
    expect(errorOf({ ...base, RECORD_COMPRESSION: 'zip' }).message).toBe('Environment variable RECORD_COMPRESSION must be one of brotli, gzip, none, got "zip"');
    expect(errorOf({ ...base, PLATFORM_METRICS: 'maybe' }).variable).toBe('PLATFORM_METRICS');
    expect(errorOf({ ...base, PIPELINE_METRICS: 'maybe' }).message).toBe('Environment variable PIPELINE_METRICS must be true or false, got "maybe"');
    expect(errorOf({ ...base, RECORD_TARGET_BYTES: '12kb' }).variable).toBe('RECORD_TARGET_BYTES');
    expect(errorOf({ ...base, MAX_DECOMPRESSED_BYTES: '10' }).message).toContain('must be >= 65536');
    expect(errorOf({ ...base, RECORD_COMPRESSION: 'none', RECORD_TARGET_BYTES: '1048576' }).variable).toBe('RECORD_TARGET_BYTES');
  });

  it('excludes exact log groups and prefixes', () => {
    const c = loadForwarderConfig({ ...base, EXCLUDE_LOG_GROUPS: '/aws/lambda/emf-fanout-prod-*, /shared/audit' });
    expect(isExcluded('/aws/lambda/emf-fanout-prod-statsd', c.excludeLogGroups)).toBe(true);
    expect(isExcluded('/shared/audit', c.excludeLogGroups)).toBe(true);
    expect(isExcluded('/shared/audit-2', c.excludeLogGroups)).toBe(false);
    expect(isExcluded('/aws/lambda/orders', c.excludeLogGroups)).toBe(false);
  });
});
