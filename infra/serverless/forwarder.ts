/**
 * The forwarder: invoked asynchronously by CloudWatch Logs (subscription filters, or the
 * account-level policy), writes EMF documents and platform metrics to the Kinesis stream.
 *
 * No `events:` on purpose: Serverless' cloudwatchLog event adds one Lambda permission per log
 * group, which overflows the function policy at ~40 log groups. The stack has ONE permission
 * instead (infra/resources/forwarder.yml, with the role, parking bucket and alarms) and the
 * filters are separate resources (subscriptions.ts).
 *
 * No `destinations:` either: osls' on-failure destination types are function, sns, sqs and
 * eventBus, not the S3 bucket the failed events are parked in
 * (docs/deploy.md#parking-the-forwarders-failed-events). The EventInvokeConfig is written here,
 * under the logical ID Serverless would give it, so that a stack deployed with the old SQS
 * destination updates it in place; with no `destinations`, `maximumRetryAttempts` or
 * `maximumEventAge` on the function, Serverless makes none of its own.
 *
 * Generated here rather than written in YAML so that its environment, exactly as packaged, goes
 * through the forwarder's own cold-start validation (`loadForwarderConfig`) first.
 */
import { loadForwarderConfig } from '../../functions/forwarder/config.ts';
import { checkColdStart, type DeployContext } from './coldStart.ts';
import { forwarderAlarms } from './alarms.ts';
import { type Cfn, getAtt, ref } from './iam.ts';
import type { Params } from './params.ts';
import { forwarderExcludes } from './subscriptions.ts';

/** Which param each of the forwarder's variables comes from. */
const PARAM_OF: Readonly<Record<string, string>> = {
  PIPELINE_METRICS: 'pipelineMetrics',
  PLATFORM_METRICS: 'platformMetrics',
  PLATFORM_NAMESPACE: 'platformNamespace',
  RECORD_COMPRESSION: 'recordCompression',
  RECORD_TARGET_BYTES: 'recordTargetBytes',
  MAX_DECOMPRESSED_BYTES: 'maxDecompressedBytes',
  EXCLUDE_LOG_GROUPS: 'excludeLogGroups',
};

/** Logical IDs of the forwarder's resources that other parts of the stack name. */
export const FORWARDER_IDS = {
  fn: 'ForwarderLambdaFunction',
  role: 'ForwarderRole',
  bucket: 'ForwarderParkingBucket',
  /** `getLambdaEventConfigLogicalId('forwarder')` in osls: the ID the SQS destination's config had. */
  invokeConfig: 'ForwarderLambdaEvConf',
} as const;

/** The forwarder's function name (Serverless' default, `<service>-<stage>-forwarder`). */
const forwarderName = (service: string, stage: string): string => `${service}-${stage}-forwarder`;

/**
 * Where Lambda writes the forwarder's failed events in the parking bucket: `aws/lambda/async/<function
 * name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>` (docs/deploy.md#parking-the-forwarders-failed-events).
 */
export const parkedEventsPrefix = (service: string, stage: string): string => `aws/lambda/async/${forwarderName(service, stage)}/`;

interface ForwarderOutput {
  functions: Record<string, Cfn>;
  resources: Record<string, Cfn>;
}

export async function generateForwarder(p: Params, d: DeployContext, exclude: readonly string[]): Promise<ForwarderOutput> {
  const environment: Record<string, Cfn> = {
    KINESIS_STREAM_NAME: ref('EmfStream'),
    PIPELINE_METRICS: String(await p.bool('pipelineMetrics')),
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
  const topic = await p.string('alarmTopicArn', { allowEmpty: true });
  const label = `emf-fanout ${d.stage} forwarder`;
  return {
    functions: {
      forwarder: {
        handler: 'functions/forwarder/handler.handler',
        description: 'emf-fanout forwarder (CloudWatch Logs subscription → Kinesis)',
        role: FORWARDER_IDS.role,
        memorySize: await p.int('forwarderMemorySize', 128, 10_240),
        timeout: await p.int('forwarderTimeout', 1, 900),
        ...(reserved === undefined ? {} : { reservedConcurrency: reserved }),
        environment,
      },
    },
    resources: {
      // Asynchronous invocations (CloudWatch Logs → Lambda): retries, then the parking bucket. Both
      // limits are written out, even at Lambda's defaults, so the template says what happens.
      [FORWARDER_IDS.invokeConfig]: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: {
          FunctionName: ref(FORWARDER_IDS.fn),
          Qualifier: '$LATEST',
          MaximumRetryAttempts: await p.int('forwarderAsyncRetries', 0, 2),
          MaximumEventAgeInSeconds: await p.int('forwarderAsyncMaxEventAgeSeconds', 60, 21_600),
          DestinationConfig: { OnFailure: { Destination: getAtt(FORWARDER_IDS.bucket, 'Arn') } },
        },
      },
      ...forwarderAlarms(label, {
        functionLogicalId: FORWARDER_IDS.fn,
        rejectedThreshold: await p.int('alarmRejectedDocumentsThreshold', 1, 1_000_000_000),
        topicArn: topic,
      }),
    },
  };
}
