/**
 * The packaged template's resources (deployments.ts: the defaults and everything enabled): the
 * forwarder's subscription side and parking bucket, the stream and the consumers' event source
 * mappings, alarms, the dashboard, reserved concurrency and log retention.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSUMERS, DATADOG_EXTENSION, packageDefaults, packageFull, SCRAPER_SELECTION, STREAM_KEY, TOPIC } from './deployments.ts';
import { SCRAPER_MAX_EVENT_AGE_SECONDS, SCRAPER_TIMEOUT_SECONDS } from '../../../infra/serverless/metricsScraper.ts';
import { CONSUMER_METRICS, FORWARDER_METRICS, PIPELINE_NAMESPACE, SCRAPER_METRICS } from '../../../shared/pipeline/names.ts';
import { DASHBOARD_BODY_MAX_BYTES } from '../../../infra/serverless/dashboard.ts';
import { bodyText, metricsOf, widgetsOf } from '../../unit/infra/dashboardBody.ts';
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

  it("sets the forwarder's exclusions to the pipeline's log groups, and PIPELINE_METRICS on every pipeline function", () => {
    const env = defaults.template.Resources.ForwarderLambdaFunction!.Properties.Environment.Variables;
    expect(env).toMatchObject({ EXCLUDE_LOG_GROUPS: '/aws/lambda/emf-fanout-*', KINESIS_STREAM_NAME: { Ref: 'EmfStream' }, PIPELINE_METRICS: 'true' });
    for (const id of ['Forwarder', ...CONSUMERS.map((c) => c.id), 'MetricsDashscraper']) {
      expect(full.template.Resources[`${id}LambdaFunction`]!.Properties.Environment.Variables.PIPELINE_METRICS, id).toBe('true');
    }
  });

  it("parks the forwarder's failed events in the stack's bucket, with the retries and event age written out", () => {
    for (const [p, retries, age] of [
      [defaults, 2, 21600],
      [full, 1, 3600],
    ] as const) {
      const confs = ofType(p.template, 'AWS::Lambda::EventInvokeConfig').filter(([, r]) => JSON.stringify(r.Properties.FunctionName) === JSON.stringify({ Ref: 'ForwarderLambdaFunction' }));
      // One, under the ID the SQS destination's had: an update replaces the destination in place.
      expect(confs.map(([id]) => id)).toEqual(['ForwarderLambdaEvConf']);
      expect(confs[0]![1].Properties).toEqual({
        FunctionName: { Ref: 'ForwarderLambdaFunction' },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: retries,
        MaximumEventAgeInSeconds: age,
        DestinationConfig: { OnFailure: { Destination: getAtt('ForwarderParkingBucket', 'Arn') } },
      });
      expect(p.template.Resources.ForwarderFailureQueue).toBeUndefined();
    }
  });

  it('keeps the parking bucket private: encrypted, no public access, TLS only, parked events expiring after forwarderParkedEventDays', () => {
    const bucket = full.template.Resources.ForwarderParkingBucket!;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    // Named by CloudFormation (bucket names are global), and unversioned: an expired record is gone.
    expect(bucket.Properties.BucketName).toBeUndefined();
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 3 }] },
    });
    expect(defaults.template.Resources.ForwarderParkingBucket!.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(14);
    const [, policy] = ofType(full.template, 'AWS::S3::BucketPolicy').find(([, r]) => JSON.stringify(r.Properties.Bucket) === JSON.stringify({ Ref: 'ForwarderParkingBucket' }))!;
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'DenyWithoutTls',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [getAtt('ForwarderParkingBucket', 'Arn'), { 'Fn::Join': ['', [getAtt('ForwarderParkingBucket', 'Arn'), '/*']] }],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
    expect(full.template.Outputs?.ForwarderParkingBucketName).toMatchObject({ Value: { Ref: 'ForwarderParkingBucket' } });
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

describe('metrics scraper', () => {
  it('runs on a schedule, retried by EventBridge and Lambda, then parked in its failure queue; only when enabled', () => {
    expect(Object.keys(defaults.template.Resources).filter((id) => id.startsWith('MetricsDashscraper'))).toEqual([]);
    const t = full.template;
    const fn = t.Resources.MetricsDashscraperLambdaFunction!;
    expect(fn.Properties).toMatchObject({ Handler: 'functions/metrics-scraper/handler.handler', MemorySize: 256, Timeout: SCRAPER_TIMEOUT_SECONDS });
    expect(JSON.parse(fn.Properties.Environment.Variables.SCRAPER_METRICS as string)).toEqual([SCRAPER_SELECTION]);
    expect(fn.Properties.Environment.Variables.KINESIS_STREAM_NAME).toEqual({ Ref: 'EmfStream' });
    const rule = t.Resources.MetricsDashscraperScheduleRule!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(rule.Properties.Targets).toEqual([
      {
        Id: 'metrics-scraper',
        Arn: getAtt('MetricsDashscraperLambdaFunction', 'Arn'),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        DeadLetterConfig: { Arn: getAtt('MetricsDashscraperFailureQueue', 'Arn') },
      },
    ]);
    const perms = ofType(t, 'AWS::Lambda::Permission').filter(([, r]) => JSON.stringify(r.Properties.FunctionName) === JSON.stringify(getAtt('MetricsDashscraperLambdaFunction', 'Arn')));
    expect(perms.map(([, r]) => [r.Properties.Principal, r.Properties.SourceArn])).toEqual([['events.amazonaws.com', getAtt('MetricsDashscraperScheduleRule', 'Arn')]]);
    const confs = ofType(t, 'AWS::Lambda::EventInvokeConfig').filter(([, r]) => JSON.stringify(r.Properties.FunctionName) === JSON.stringify({ Ref: 'MetricsDashscraperLambdaFunction' }));
    expect(confs.map(([, r]) => r.Properties)).toEqual([
      expect.objectContaining({
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: SCRAPER_MAX_EVENT_AGE_SECONDS,
        DestinationConfig: { OnFailure: { Destination: getAtt('MetricsDashscraperFailureQueue', 'Arn') } },
      }),
    ]);
    const [, policy] = ofType(t, 'AWS::SQS::QueuePolicy').find(([, r]) => JSON.stringify(r.Properties.Queues) === JSON.stringify([{ Ref: 'MetricsDashscraperFailureQueue' }]))!;
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Condition: { ArnEquals: { 'aws:SourceArn': getAtt('MetricsDashscraperScheduleRule', 'Arn') } } }),
    ]);
  });
});

describe('layers', () => {
  it('puts a consumer\'s <key>Layers on its function only: the Datadog Lambda extension beside StatsD', () => {
    const layers = ofType(full.template, 'AWS::Lambda::Function').map(([id, f]) => [id, f.Properties.Layers]);
    expect(layers.filter(([, l]) => l !== undefined)).toEqual([['StatsdLambdaFunction', [DATADOG_EXTENSION]]]);
    expect(ofType(defaults.template, 'AWS::Lambda::Function').map(([, f]) => f.Properties.Layers)).toEqual([undefined]);
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
    expect(esms).toHaveLength(CONSUMERS.length);
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
  it('alarms on iterator age, errors, failure-queue depth, dropped data, rejected documents, and parked or lost events, notifying the topic', () => {
    const alarms = ofType(full.template, 'AWS::CloudWatch::Alarm').map(([id, a]) => [id, resolve(full.template, a.Properties) as Record<string, any>] as const);
    const find = (metric: string, dim: unknown) => alarms.find(([, a]) => a.MetricName === metric && JSON.stringify(a.Dimensions[0].Value) === JSON.stringify(dim));
    for (const { id } of CONSUMERS) {
      expect(find('IteratorAge', { Ref: `${id}LambdaFunction` })?.[1]).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Maximum', Threshold: 60000 });
      expect(find('Errors', { Ref: `${id}LambdaFunction` })?.[1]).toMatchObject({ Statistic: 'Sum', Threshold: 3 });
      expect(find('ApproximateNumberOfMessagesVisible', getAtt(`${id}FailureQueue`, 'QueueName'))?.[1]).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 1 });
    }
    for (const { id } of CONSUMERS) {
      expect(find(CONSUMER_METRICS.dataDropped, { Ref: `${id}LambdaFunction` })?.[1]).toMatchObject({ Namespace: PIPELINE_NAMESPACE, Statistic: 'Sum', Threshold: 2 });
    }
    expect(find('Errors', { Ref: 'ForwarderLambdaFunction' })).toBeDefined();
    expect(find(FORWARDER_METRICS.documentsRejected, { Ref: 'ForwarderLambdaFunction' })?.[1]).toMatchObject({ Namespace: PIPELINE_NAMESPACE, Statistic: 'Sum', Threshold: 250 });
    expect(find('AsyncEventsDropped', { Ref: 'ForwarderLambdaFunction' })?.[1]).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Sum', Threshold: 1 });
    expect(find('DestinationDeliveryFailures', { Ref: 'ForwarderLambdaFunction' })?.[1]).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Sum', Threshold: 1 });
    // The defaults: the thresholds of config/params.yml's alarm section.
    const rejected = ofType(defaults.template, 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.MetricName === FORWARDER_METRICS.documentsRejected)!;
    expect(rejected[1].Properties.Threshold).toBe(100);
    for (const [, a] of alarms) expect([a.AlarmActions, a.OKActions, a.TreatMissingData]).toEqual([[TOPIC], [TOPIC], 'notBreaching']);
    // Without a topic the alarms exist, with no actions.
    for (const [, a] of ofType(defaults.template, 'AWS::CloudWatch::Alarm')) expect((resolve(defaults.template, a.Properties) as Record<string, unknown>).AlarmActions).toBeUndefined();
  });

  it('has a dashboard of the pipeline metrics by their published names, for the functions, queues, stream and bucket of the template, and only the enabled consumers', () => {
    const PIPELINE_NAMES = new Set<string>([...Object.values(FORWARDER_METRICS), ...Object.values(CONSUMER_METRICS), ...Object.values(SCRAPER_METRICS)]);
    // The full deployment has the metrics scraper on: its function and failure queue are on the dashboard too.
    const SCRAPER = 'MetricsDashscraper';
    for (const [p, consumers, scraper] of [
      [defaults, [], false],
      [full, CONSUMERS, true],
    ] as const) {
      const t = p.template;
      const dashboards = ofType(t, 'AWS::CloudWatch::Dashboard');
      expect(dashboards).toHaveLength(1);
      // References become `<type>:<logical ID>`, after checking that the resource exists.
      const value = (x: { Ref: string } | { 'Fn::GetAtt': [string, string] }) => {
        if ('Ref' in x && x.Ref === 'AWS::Region') return 'eu-west-1';
        const id = 'Ref' in x ? x.Ref : x['Fn::GetAtt'][0];
        const r = t.Resources[id];
        if (!r) throw new Error(`the dashboard names ${id}, which the template does not have`);
        return `${r.Type}:${id}`;
      };
      const text = bodyText(dashboards[0]![1].Properties.DashboardBody, value);
      expect(Buffer.byteLength(text)).toBeLessThan(DASHBOARD_BODY_MAX_BYTES);
      const metrics = widgetsOf(text).flatMap(metricsOf);
      const pipeline = metrics.filter((m) => m.namespace === PIPELINE_NAMESPACE);
      expect(pipeline.length).toBeGreaterThan(0);
      for (const m of pipeline) expect(PIPELINE_NAMES.has(m.name), m.name).toBe(true);
      const functions = new Set(metrics.flatMap((m) => (m.dimensions.FunctionName ? [m.dimensions.FunctionName] : [])));
      expect(functions).toEqual(new Set(['Forwarder', ...consumers.map((c) => c.id), ...(scraper ? [SCRAPER] : [])].map((id) => `AWS::Lambda::Function:${id}LambdaFunction`)));
      const queues = new Set(metrics.flatMap((m) => (m.dimensions.QueueName ? [m.dimensions.QueueName] : [])));
      expect(queues).toEqual(new Set([...consumers.map((c) => c.id), ...(scraper ? [SCRAPER] : [])].map((id) => `AWS::SQS::Queue:${id}FailureQueue`)));
      expect(new Set(metrics.flatMap((m) => (m.dimensions.StreamName ? [m.dimensions.StreamName] : [])))).toEqual(new Set(['AWS::Kinesis::Stream:EmfStream']));
      expect(new Set(metrics.flatMap((m) => (m.dimensions.BucketName ? [m.dimensions.BucketName] : [])))).toEqual(new Set(['AWS::S3::Bucket:ForwarderParkingBucket']));
    }
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
      MetricsDashscraperLambdaFunction: undefined,
    });
    expect(reserved(defaults)).toEqual({ ForwarderLambdaFunction: undefined });
  });

  it('sets log retention on every function log group', () => {
    const groups = ofType(full.template, 'AWS::Logs::LogGroup');
    // The forwarder, the new-log-group function, the metrics scraper and each consumer.
    expect(groups).toHaveLength(3 + CONSUMERS.length);
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toBe(7);
    for (const [, g] of ofType(defaults.template, 'AWS::Logs::LogGroup')) expect(g.Properties.RetentionInDays).toBe(14);
  });
});
