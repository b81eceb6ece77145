/**
 * The consumer functions: one per registered consumer (registry.ts: a folder of
 * functions/consumers/ with its consumer.ts), each deployed in a stage when `<key>Enabled` is
 * true there. A disabled consumer contributes nothing (no function, so nothing is bundled, and
 * no role, queue, stream consumer or alarm). Its other params are optional: `<key>Environment`
 * (default {}), `<key>EnhancedFanOut` (false), `<key>KmsKeyArn` (''), `<key>ReservedConcurrency`
 * (none), `<key>IamStatements` (none), `<key>Layers` ([]: Lambda layer version ARNs in the
 * stage's Region, e.g. the Datadog Lambda extension).
 *
 * Each enabled consumer gets:
 * - a Kinesis event source mapping: ReportBatchItemFailures, bisect on error, bounded retries
 *   and record age, batch size and window from params, an SQS on-failure destination;
 * - optionally an enhanced fan-out stream consumer (dedicated 2 MB/s per shard);
 * - a role that may only read this stream (or its own stream consumer), read exactly the
 *   secrets its environment references (its own `ssm:…` / `secretsmanager:…` references, and the
 *   names or ARNs of its `secrets.extensionRefs` variables, which an extension reads), write its
 *   own logs and send to its failure queue;
 * - alarms on iterator age, errors, failure-queue depth and data dropped;
 * - `PIPELINE_METRICS` in its environment, from the `pipelineMetrics` param (set there only).
 *
 * Before that, its environment goes through the function's own cold-start validation (its
 * consumer.ts's `validate`, which is given the function's layers, and the consumer core's
 * `loadConsumerConfig`) and the plain-secret
 * rules (coldStart.ts): a consumer that would fail every invocation, or carry a credential in
 * plain text, is not packaged.
 */
import { loadConsumerConfig } from '../../shared/consumer/config.ts';
import { dataDroppedAlarm, errorsAlarm, iteratorAgeAlarm, queueDepthAlarm } from './alarms.ts';
import { checkColdStart, checkPlainSecrets, isConfigError, type DeployContext } from './coldStart.ts';
import { type Cfn, extensionSecretRefs, failureQueue, getAtt, lambdaRole, ownLogsStatement, secretRefs, secretStatements, type Statement } from './iam.ts';
import { ParamError, type Params } from './params.ts';
import { CONSUMERS_DIR, oneLine, RegistrationError, type ConsumerSpec } from './registry.ts';

/** Serverless Framework's logical-ID normalisation of a function key (`example-http` → `ExampleDashhttp`). */
export function normalizedFunctionName(functionKey: string): string {
  const s = functionKey.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Event source mapping settings shared by every consumer. */
export interface EsmSettings {
  batchSize: number;
  batchWindow: number;
  startingPosition: string;
  maximumRetryAttempts: number;
  maximumRecordAgeInSeconds: number;
  parallelizationFactor: number;
}

export async function readEsmSettings(p: Params): Promise<EsmSettings> {
  return {
    batchSize: await p.int('batchSize', 1, 10_000),
    batchWindow: await p.int('batchWindowSeconds', 0, 300),
    startingPosition: await p.string('startingPosition', { oneOf: ['LATEST', 'TRIM_HORIZON'] }),
    maximumRetryAttempts: await p.int('maximumRetryAttempts', 0, 10_000),
    maximumRecordAgeInSeconds: await p.int('maximumRecordAgeSeconds', 60, 604_800, [-1]),
    parallelizationFactor: await p.int('parallelizationFactor', 1, 10),
  };
}

/** The logical IDs of an enabled consumer's function and failure queue (for the dashboard and the operator policy). */
export interface ConsumerIds {
  functionKey: string;
  fn: string;
  queue: string;
}

export interface ConsumerOutput {
  functions: Record<string, Cfn>;
  resources: Record<string, Cfn>;
  /** Absent when the consumer is not enabled in the stage. */
  ids?: ConsumerIds;
}

/** A consumer's `<key>Layers`: layer version ARNs in the stage's Region (Lambda takes no layer from another). */
async function readLayers(p: Params, name: string, region: string): Promise<string[]> {
  const layers = await p.layerArns(name);
  layers.forEach((arn, i) => {
    const layerRegion = arn.split(':')[3];
    if (layerRegion !== region) {
      throw new ParamError(`${name}[${i}]`, `is a layer of Region ${layerRegion}, but the function is deployed to ${region} (param "region"): use the layer's ARN in ${region}`);
    }
  });
  return layers;
}

/** The variable every function gets from the `pipelineMetrics` param. */
const PIPELINE_METRICS = 'PIPELINE_METRICS';

export async function generateConsumer(spec: ConsumerSpec, p: Params, esm: EsmSettings, d: DeployContext): Promise<ConsumerOutput> {
  if (!(await p.bool(`${spec.key}Enabled`, false))) return { functions: {}, resources: {} };
  const service = await p.service();
  const stage = await p.stage();
  const name = normalizedFunctionName(spec.functionKey);
  const envParam = `${spec.key}Environment`;
  const own = await p.stringMap(envParam);
  if (Object.hasOwn(own, PIPELINE_METRICS)) throw new ParamError(`${envParam}.${PIPELINE_METRICS}`, 'is set by the param "pipelineMetrics" for every function: remove it here');
  checkPlainSecrets(envParam, own, spec.secrets);
  const environment: Record<string, string> = { ...own, [PIPELINE_METRICS]: String(await p.bool('pipelineMetrics')) };
  const refs = [...secretRefs(envParam, own), ...extensionSecretRefs(envParam, own, spec.secrets.extensionRefs ?? {})];
  const layers = await readLayers(p, `${spec.key}Layers`, d.region);
  const deploy: DeployContext = { ...d, layers };
  checkColdStart(
    {
      functionKey: spec.functionKey,
      environment,
      paramOf: (v) => (v === PIPELINE_METRICS ? 'pipelineMetrics' : `${envParam}.${v}`),
      whenUnset: (v) => `set ${envParam}.${v}, or ${spec.key}Enabled: false`,
      validate: (env) => {
        try {
          spec.validate(env, deploy);
        } catch (e) {
          if (isConfigError(e)) throw e;
          // A bug in the consumer's own code: say where, on one line (Serverless would print the stack).
          throw new RegistrationError(`${CONSUMERS_DIR}/${spec.functionKey}/consumer.ts`, `validate threw ${oneLine(e)}; it must return, or throw a ConfigError naming the variable`);
        }
        loadConsumerConfig(env);
      },
    },
    deploy,
  );
  const reserved = await p.optionalInt(`${spec.key}ReservedConcurrency`, 1, Number.POSITIVE_INFINITY);
  const kmsKeyArn = await p.string(`${spec.key}KmsKeyArn`, { allowEmpty: true, fallback: '' });
  const efo = await p.bool(`${spec.key}EnhancedFanOut`, false);
  const topic = await p.string('alarmTopicArn', { allowEmpty: true });
  const streamKeyArn = await p.string('streamKmsKeyArn', { allowEmpty: true });
  const label = `emf-fanout ${stage} ${spec.functionKey}`;

  const ids = {
    fn: `${name}LambdaFunction`,
    logGroup: `${name}LogGroup`,
    role: `${name}Role`,
    queue: `${name}FailureQueue`,
    consumer: `${name}StreamConsumer`,
  };
  const stream = getAtt('EmfStream', 'Arn');
  const readStream: Statement = {
    Sid: 'ReadStream',
    Effect: 'Allow',
    Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
    Resource: stream,
  };
  const statements: Cfn[] = [
    readStream,
    ...(efo
      ? [{ Sid: 'ReadViaOwnConsumer', Effect: 'Allow', Action: ['kinesis:SubscribeToShard', 'kinesis:DescribeStreamConsumer'], Resource: getAtt(ids.consumer, 'ConsumerARN') }]
      : []),
    ...(streamKeyArn !== '' ? [{ Sid: 'DecryptStream', Effect: 'Allow', Action: 'kms:Decrypt', Resource: streamKeyArn }] : []),
    ...secretStatements(refs, kmsKeyArn),
    ...(await p.statements(`${spec.key}IamStatements`)),
    ownLogsStatement(ids.logGroup),
    { Sid: 'FailedBatches', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(ids.queue, 'Arn') },
  ];

  const fn = {
    handler: spec.handler,
    description: spec.description,
    role: ids.role,
    memorySize: await p.int('consumerMemorySize', 128, 10_240),
    timeout: await p.int('consumerTimeout', 1, 900),
    ...(reserved === undefined ? {} : { reservedConcurrency: reserved }),
    environment,
    ...(layers.length > 0 ? { layers } : {}),
    events: [
      {
        stream: {
          type: 'kinesis',
          arn: stream,
          ...(efo ? { consumer: getAtt(ids.consumer, 'ConsumerARN') } : {}),
          batchSize: esm.batchSize,
          batchWindow: esm.batchWindow,
          startingPosition: esm.startingPosition,
          maximumRetryAttempts: esm.maximumRetryAttempts,
          maximumRecordAgeInSeconds: esm.maximumRecordAgeInSeconds,
          bisectBatchOnFunctionError: true,
          functionResponseType: 'ReportBatchItemFailures',
          parallelizationFactor: esm.parallelizationFactor,
          destinations: { onFailure: { type: 'sqs', arn: getAtt(ids.queue, 'Arn') } },
        },
      },
    ],
  };

  const resources: Record<string, Cfn> = {
    [ids.role]: lambdaRole(spec.functionKey, statements),
    [ids.queue]: failureQueue(`${service}-${stage}-${spec.functionKey}-failures`),
    [`${name}IteratorAgeAlarm`]: iteratorAgeAlarm(label, ids.fn, await p.int('alarmIteratorAgeMs', 1_000, 604_800_000), topic),
    [`${name}ErrorsAlarm`]: errorsAlarm(label, ids.fn, await p.int('alarmErrorsThreshold', 1, 1_000_000), topic),
    [`${name}FailureQueueDepthAlarm`]: queueDepthAlarm(label, ids.queue, topic),
    [`${name}DataDroppedAlarm`]: dataDroppedAlarm(label, ids.fn, await p.int('alarmDataDroppedThreshold', 1, 1_000_000_000), topic),
  };
  if (efo) {
    resources[ids.consumer] = {
      Type: 'AWS::Kinesis::StreamConsumer',
      Properties: { StreamARN: stream, ConsumerName: `${service}-${stage}-${spec.functionKey}` },
    };
  }
  return { functions: { [spec.functionKey]: fn }, resources, ids: { functionKey: spec.functionKey, fn: ids.fn, queue: ids.queue } };
}
