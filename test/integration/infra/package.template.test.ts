/**
 * The packaged template's resources (deployments.ts: the defaults and everything enabled): the
 * forwarder's subscription side, the stream and the consumers' event source mappings, alarms,
 * reserved concurrency and log retention.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSUMERS, packageDefaults, packageFull, STREAM_KEY, TOPIC } from './deployments.ts';
import { getAtt, ofType, resolve, type Packaged } from './template.ts';

let defaults: Packaged;
let full: Packaged;
beforeAll(async () => {
  defaults = await packageDefaults();
  full = await packageFull();
}, 240_000);

describe('CloudWatch Logs → forwarder', () => {
  it('has exactly one logs.amazonaws.com permission, scoped by account and log-group ARN pattern', () => {
    for (const p of [defaults, full]) {
      const perms = ofType(p.template, 'AWS::Lambda::Permission').filter(([, r]) => r.Properties.Principal === 'logs.amazonaws.com');
      expect(perms).toHaveLength(1);
      expect(perms[0]![1].Properties).toEqual({
        FunctionName: getAtt('ForwarderLambdaFunction', 'Arn'),
        Action: 'lambda:InvokeFunction',
        Principal: 'logs.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*' },
      });
    }
  });

  it('subscribes each listed log group with one filter resource that depends on that permission', () => {
    expect(ofType(defaults.template, 'AWS::Logs::SubscriptionFilter')).toEqual([]);
    const filters = ofType(full.template, 'AWS::Logs::SubscriptionFilter');
    expect(filters.map(([, f]) => f.Properties.LogGroupName).sort()).toEqual(['/aws/lambda/orders-api', '/ecs/payments']);
    for (const [, f] of filters) {
      expect(f.Properties).toMatchObject({ FilterName: 'emf-fanout-ci', FilterPattern: '?"_aws" ?"REPORT RequestId:"', DestinationArn: getAtt('ForwarderLambdaFunction', 'Arn') });
      expect(f.DependsOn).toContain('ForwarderLogsInvokePermission');
    }
  });

  it("sets the forwarder's exclusions to the pipeline's log groups, and its failed events to an SQS queue", () => {
    const env = defaults.template.Resources.ForwarderLambdaFunction!.Properties.Environment.Variables;
    expect(env).toMatchObject({ EXCLUDE_LOG_GROUPS: '/aws/lambda/emf-fanout-*', KINESIS_STREAM_NAME: { Ref: 'EmfStream' } });
    const conf = ofType(full.template, 'AWS::Lambda::EventInvokeConfig').find(([, r]) => JSON.stringify(r.Properties.FunctionName).includes('ForwarderLambdaFunction'))!;
    expect(conf[1].Properties).toMatchObject({
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: getAtt('ForwarderFailureQueue', 'Arn') } },
    });
    expect(full.template.Resources.ForwarderFailureQueue!.Type).toBe('AWS::SQS::Queue');
  });

  it('triggers the new-log-group function on CloudTrail CreateLogGroup, only when enabled', () => {
    // No selection by prefix, pattern or tag and no subscribeNewLogGroups: neither the function nor the deploy-time resource.
    expect(defaults.template.Resources.NewDashlogDashgroupLambdaFunction).toBeUndefined();
    expect(ofType(defaults.template, 'Custom::EmfFanoutSubscriptions')).toEqual([]);
    expect(ofType(defaults.template, 'AWS::IAM::Policy')).toEqual([]);
    const rule = full.template.Resources.NewDashlogDashgroupCreateLogGroupRule!;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.logs'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['logs.amazonaws.com'], eventName: ['CreateLogGroup'] },
    });
    expect(rule.Properties.Targets).toEqual([{ Id: 'new-log-group', Arn: getAtt('NewDashlogDashgroupLambdaFunction', 'Arn') }]);
  });
});

describe('Kinesis stream and event source mappings', () => {
  it('encrypts the stream: the AWS managed key by default, the configured key otherwise', () => {
    const s = resolve(defaults.template, defaults.template.Resources.EmfStream!.Properties) as Record<string, any>;
    expect(s).toMatchObject({ StreamModeDetails: { StreamMode: 'ON_DEMAND' }, StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' } });
    expect(s.ShardCount).toBeUndefined();
    const f = resolve(full.template, full.template.Resources.EmfStream!.Properties) as Record<string, any>;
    expect(f).toMatchObject({ StreamModeDetails: { StreamMode: 'PROVISIONED' }, ShardCount: 3, RetentionPeriodHours: 48, StreamEncryption: { KeyId: STREAM_KEY } });
  });

  it('configures each consumer mapping: partial batch failures, bisect, bounded retries and age, batching from params, SQS on failure', () => {
    expect(ofType(defaults.template, 'AWS::Lambda::EventSourceMapping')).toEqual([]);
    const esms = ofType(full.template, 'AWS::Lambda::EventSourceMapping');
    expect(esms).toHaveLength(3);
    for (const { id } of CONSUMERS) {
      const [, esm] = esms.find(([, r]) => JSON.stringify(r.Properties.FunctionName) === JSON.stringify(getAtt(`${id}LambdaFunction`, 'Arn')))!;
      expect(esm.Properties).toMatchObject({
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 4,
        MaximumRecordAgeInSeconds: 7200,
        BatchSize: 250,
        MaximumBatchingWindowInSeconds: 7,
        StartingPosition: 'TRIM_HORIZON',
        ParallelizationFactor: 2,
        DestinationConfig: { OnFailure: { Destination: getAtt(`${id}FailureQueue`, 'Arn') } },
      });
      expect(full.template.Resources[`${id}FailureQueue`]!.Type).toBe('AWS::SQS::Queue');
      expect(esm.Properties.EventSourceArn).toEqual(id === 'Prometheus' ? getAtt('PrometheusStreamConsumer', 'ConsumerARN') : getAtt('EmfStream', 'Arn'));
    }
    expect(full.template.Resources.PrometheusStreamConsumer).toMatchObject({
      Type: 'AWS::Kinesis::StreamConsumer',
      Properties: { StreamARN: getAtt('EmfStream', 'Arn'), ConsumerName: 'emf-fanout-ci-prometheus' },
    });
  });
});

describe('operations', () => {
  it('alarms on iterator age, errors and failure-queue depth, notifying the topic', () => {
    const alarms = ofType(full.template, 'AWS::CloudWatch::Alarm').map(([id, a]) => [id, resolve(full.template, a.Properties) as Record<string, any>] as const);
    const find = (metric: string, dim: unknown) => alarms.find(([, a]) => a.MetricName === metric && JSON.stringify(a.Dimensions[0].Value) === JSON.stringify(dim));
    for (const { id } of CONSUMERS) {
      expect(find('IteratorAge', { Ref: `${id}LambdaFunction` })?.[1]).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Maximum', Threshold: 60000 });
      expect(find('Errors', { Ref: `${id}LambdaFunction` })?.[1]).toMatchObject({ Statistic: 'Sum', Threshold: 3 });
      expect(find('ApproximateNumberOfMessagesVisible', getAtt(`${id}FailureQueue`, 'QueueName'))?.[1]).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 1 });
    }
    expect(find('Errors', { Ref: 'ForwarderLambdaFunction' })).toBeDefined();
    expect(find('ApproximateNumberOfMessagesVisible', getAtt('ForwarderFailureQueue', 'QueueName'))).toBeDefined();
    for (const [, a] of alarms) expect(a.AlarmActions).toEqual([TOPIC]);
    // Without a topic the alarms exist, with no actions.
    for (const [, a] of ofType(defaults.template, 'AWS::CloudWatch::Alarm')) expect((resolve(defaults.template, a.Properties) as Record<string, unknown>).AlarmActions).toBeUndefined();
  });

  it('reserves concurrency for the functions that have a reservedConcurrency param, and only for them', () => {
    const reserved = (p: Packaged) =>
      Object.fromEntries(ofType(p.template, 'AWS::Lambda::Function').map(([id, f]) => [id, f.Properties.ReservedConcurrentExecutions as number | undefined]));
    expect(reserved(full)).toEqual({
      ForwarderLambdaFunction: 20,
      PrometheusLambdaFunction: 5,
      StatsdLambdaFunction: undefined,
      ExampleDashhttpLambdaFunction: undefined,
      NewDashlogDashgroupLambdaFunction: undefined,
    });
    expect(reserved(defaults)).toEqual({ ForwarderLambdaFunction: undefined });
  });

  it('sets log retention on every function log group', () => {
    const groups = ofType(full.template, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(5);
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toBe(7);
    for (const [, g] of ofType(defaults.template, 'AWS::Logs::LogGroup')) expect(g.Properties.RetentionInDays).toBe(14);
  });
});
