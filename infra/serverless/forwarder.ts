/**
 * The forwarder: invoked asynchronously by CloudWatch Logs (subscription filters, or the
 * account-level policy), writes EMF documents and platform metrics to the Kinesis stream.
 *
 * No `events:` on purpose: Serverless' cloudwatchLog event adds one Lambda permission per log
 * group, which overflows the function policy at ~40 log groups. The stack has ONE permission
 * instead (infra/resources/forwarder.yml, with the role, failure queue and alarms) and the
 * filters are separate resources (subscriptions.ts).
 *
 * Generated here rather than written in YAML so that its environment, exactly as packaged, goes
 * through the forwarder's own cold-start validation (`loadForwarderConfig`) first.
 */
import { loadForwarderConfig } from '../../functions/forwarder/config.ts';
import { checkColdStart, type DeployContext } from './coldStart.ts';
import { type Cfn, getAtt, ref } from './iam.ts';
import type { Params } from './params.ts';
import { forwarderExcludes } from './subscriptions.ts';

/** Which param each of the forwarder's variables comes from. */
const PARAM_OF: Readonly<Record<string, string>> = {
  PLATFORM_METRICS: 'platformMetrics',
  PLATFORM_NAMESPACE: 'platformNamespace',
  RECORD_COMPRESSION: 'recordCompression',
  RECORD_TARGET_BYTES: 'recordTargetBytes',
  MAX_DECOMPRESSED_BYTES: 'maxDecompressedBytes',
  EXCLUDE_LOG_GROUPS: 'excludeLogGroups',
};

export async function generateForwarder(p: Params, d: DeployContext, exclude: readonly string[]): Promise<Record<string, Cfn>> {
  const environment: Record<string, Cfn> = {
    KINESIS_STREAM_NAME: ref('EmfStream'),
    PLATFORM_METRICS: await p.scalar('platformMetrics'),
    PLATFORM_NAMESPACE: await p.scalar('platformNamespace'),
    RECORD_COMPRESSION: await p.scalar('recordCompression'),
    // '' = the forwarder's default for the compression.
    RECORD_TARGET_BYTES: await p.scalar('recordTargetBytes'),
    MAX_DECOMPRESSED_BYTES: await p.scalar('maxDecompressedBytes'),
    // The pipeline's own log groups plus excludeLogGroups (the forwarder also drops its own).
    EXCLUDE_LOG_GROUPS: forwarderExcludes({ service: d.service, stage: d.stage, exclude: [...exclude] }),
  };
  checkColdStart(
    {
      functionKey: 'forwarder',
      environment,
      paramOf: (v) => PARAM_OF[v] ?? v,
      validate: (env) => void loadForwarderConfig(env),
    },
    d,
  );
  const reserved = await p.optionalInt('forwarderReservedConcurrency', 1, Number.POSITIVE_INFINITY);
  return {
    forwarder: {
      handler: 'functions/forwarder/handler.handler',
      description: 'emf-fanout forwarder (CloudWatch Logs subscription → Kinesis)',
      role: 'ForwarderRole',
      memorySize: await p.int('forwarderMemorySize', 128, 10_240),
      timeout: await p.int('forwarderTimeout', 1, 900),
      // Asynchronous invocations (CloudWatch Logs → Lambda): retries, then the failure queue.
      maximumRetryAttempts: await p.int('forwarderAsyncRetries', 0, 2),
      maximumEventAge: await p.int('forwarderAsyncMaxEventAgeSeconds', 60, 21_600),
      ...(reserved === undefined ? {} : { reservedConcurrency: reserved }),
      destinations: { onFailure: { type: 'sqs', arn: getAtt('ForwarderFailureQueue', 'Arn') } },
      environment,
    },
  };
}
