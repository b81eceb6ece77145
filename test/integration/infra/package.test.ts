/**
 * `sls package` builds the CloudFormation template offline; these tests read what it built, and run its
 * bundles on Node 22 (Lambda's nodejs22.x) against real parts.
 * Two deployments: the shipped settings (forwarder only) and one with everything enabled.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisEventFromRecords } from '../../../shared/consumer/testing/kinesisEvent.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';
import { recordDocumentTexts } from '../../../shared/record/documentTexts.ts';
import { decodeRecord } from '../../../shared/record/format.ts';
import { getFixtureLines } from '../../fixtures/generate.ts';
import type { FixtureLine } from '../../fixtures/types.ts';
import { splitIntoBatches } from '../../fixtures/subscription.ts';
import { startKinesalite, TEST_CREDENTIALS, type Kinesalite, type StreamRecord } from '../../helpers/kinesalite.ts';
import { startHttpReceiver } from '../../helpers/httpReceiver.ts';
import { node22 } from '../../helpers/node22.ts';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheus.ts';
import { CumulativeOracle, cumulativeMismatches } from '../../helpers/prometheusExpect.ts';
import { startStatsdDaemon, type StatsdDaemon } from '../../helpers/statsdDaemon.ts';
import { datumKey, expectedEmfData } from '../local/fixtureExpect.ts';
import { expectStatsd, expectStatsdHolds, statsdKeys } from '../local/statsdExpect.ts';
import { actionsOf, getAtt, ofType, paramsWith, policyStatements, resolve, resourcesOf, roleStatements, slsPackage, type Packaged, type Stmt } from './template.ts';
import { readZip } from './unzip.ts';

const STREAM_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555';
const PROM_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/99999999-2222-3333-4444-555555555555';
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:alerts';
const READ_ACTIONS = ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'];
const CONSUMERS = [
  { fn: 'prometheus', id: 'Prometheus' },
  { fn: 'statsd', id: 'Statsd' },
  { fn: 'example-http', id: 'ExampleDashhttp' },
];

const allStatements = (p: Packaged): Stmt[] => [
  ...ofType(p.template, 'AWS::IAM::Role').flatMap(([id]) => roleStatements(p.template, id)),
  ...ofType(p.template, 'AWS::IAM::Policy').flatMap(([id]) => policyStatements(p.template, id)),
];
const kinesisActions = (stmts: Stmt[]) => stmts.flatMap(actionsOf).filter((a) => a.startsWith('kinesis:'));

let shipped: Packaged;
let full: Packaged;

/** Writes the bundle of function `fn` from the full deployment's zip to `dir`; returns its path in the zip and on disk. */
function writeBundle(fn: string, dir: string): { entry: string; file: string } {
  const [entry, code] = [...readZip(join(full.dir, `${fn}.zip`)).entries()].find(([n]) => n.endsWith('.mjs'))!;
  const file = join(dir, `${fn}.mjs`);
  writeFileSync(file, code);
  return { entry, file };
}

beforeAll(async () => {
  shipped = await slsPackage('dev');
  full = await slsPackage(
    'ci',
    paramsWith({
      region: 'eu-west-1',
      logRetentionDays: 7,
      subscribeLogGroupNames: ['/aws/lambda/orders-api', '/ecs/payments'],
      subscribeLogGroupPrefixes: ['/aws/lambda/shop-'],
      filterPattern: '?"_aws" ?"REPORT RequestId:"',
      subscribeNewLogGroups: true,
      streamMode: 'PROVISIONED',
      streamShardCount: 3,
      streamRetentionHours: 48,
      streamKmsKeyArn: STREAM_KEY,
      forwarderAsyncRetries: 1,
      forwarderAsyncMaxEventAgeSeconds: 3600,
      forwarderReservedConcurrency: 20,
      prometheusReservedConcurrency: 5,
      batchSize: 250,
      batchWindowSeconds: 7,
      startingPosition: 'TRIM_HORIZON',
      maximumRetryAttempts: 4,
      maximumRecordAgeSeconds: 7200,
      parallelizationFactor: 2,
      prometheusEnabled: true,
      prometheusEnhancedFanOut: true,
      prometheusKmsKeyArn: PROM_KEY,
      prometheusEnvironment: {
        PROM_RW_URL: 'https://prom.example.com/api/v1/write',
        PROM_RW_AUTH: 'bearer',
        PROM_RW_BEARER_TOKEN_REF: 'ssm:/emf-fanout/prom-token',
        PROM_RW_HEADERS_REF: 'secretsmanager:emf-fanout/prom-headers#headers',
      },
      statsdEnabled: true,
      statsdEnvironment: { STATSD_HOST: '127.0.0.1' },
      exampleHttpEnabled: true,
      exampleHttpEnvironment: { EXAMPLE_HTTP_URL: 'https://metrics.example.com/ingest' },
      alarmTopicArn: TOPIC,
      alarmIteratorAgeMs: 60000,
      alarmErrorsThreshold: 3,
    }),
  );
}, 240_000);

describe('npm run package: what gets built', () => {
  it('builds only enabled functions: one small ESM bundle each, Node 22 on arm64', () => {
    expect(shipped.zips).toEqual(['forwarder.zip']);
    expect(full.zips).toEqual(['example-http.zip', 'forwarder.zip', 'new-log-group.zip', 'prometheus.zip', 'statsd.zip']);
    for (const [, fn] of ofType(full.template, 'AWS::Lambda::Function')) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toMatch(/^functions\/.+\/handler\.handler$/);
    }
    const files = [...readZip(join(full.dir, 'prometheus.zip')).keys()].sort();
    expect(files).toEqual(['functions/consumers/prometheus/handler.mjs', 'functions/consumers/prometheus/handler.mjs.map']);
  });

  it('produces bundles that Node loads as ES modules and that export the handler', async () => {
    const env: Record<string, Record<string, string>> = {
      forwarder: { KINESIS_STREAM_NAME: 's' },
      prometheus: { PROM_RW_URL: 'https://prom.example.com/api/v1/write' },
      statsd: {},
      'example-http': { EXAMPLE_HTTP_URL: 'https://metrics.example.com/ingest' },
      'new-log-group': { DESTINATION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:f', FILTER_NAME: 'emf-fanout-ci', PIPELINE_LOG_GROUP_PREFIX: '/aws/lambda/emf-fanout-' },
    };
    const dir = mkdtempSync(join(tmpdir(), 'emf-bundles-'));
    for (const zip of full.zips) {
      const fn = zip.replace(/\.zip$/, '');
      const { entry, file } = writeBundle(fn, dir);
      const script = `const m = await import(${JSON.stringify(`file://${file}`)}); console.log(typeof m.handler); process.exit(0);`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', ...env[fn] },
      });
      expect(`${entry}: ${stdout.trim()}`).toBe(`${entry}: function`);
    }
  }, 60_000);
});

describe('the bundles on Node 22, the major version of Lambda\'s nodejs22.x: forwarder → real Kinesis (kinesalite) → consumers → real receivers', () => {
  let k: Kinesalite;
  let daemon: StatsdDaemon;
  let prom: PrometheusServer;
  let lines: FixtureLine[];
  let records: StreamRecord[];

  /** Runs a function's bundle from the built zip on Node 22 (runBundle.mjs), one invocation per event. */
  async function runOnNode22(fn: string, events: unknown[], env: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), `emf-node22-${fn}-`));
    const bundle = writeBundle(fn, dir).file;
    writeFileSync(join(dir, 'events.json'), JSON.stringify(events));
    const runner = fileURLToPath(new URL('./runBundle.mjs', import.meta.url));
    await promisify(execFile)(node22(), [runner, bundle, join(dir, 'events.json'), join(dir, 'results.json')], {
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { node: string; results: { ok?: unknown; error?: { name: string; message: string } }[] };
  }

  beforeAll(async () => {
    [k, daemon, prom, lines] = await Promise.all([startKinesalite(), startStatsdDaemon(), startPrometheus(), getFixtureLines()]);
    await k.createStream('node22', 1);
    // The forwarder bundle, on payloads of the real producers' lines, writes through its own SDK client.
    const batches = splitIntoBatches(lines, { maxEvents: 50 });
    const forwarded = await runOnNode22('forwarder', batches.map((b) => b.event), {
      KINESIS_STREAM_NAME: 'node22', AWS_ENDPOINT_URL_KINESIS: k.endpoint,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    });
    expect(forwarded.node).toMatch(/^v22\./);
    expect(forwarded.results.filter((r) => r.error !== undefined)).toEqual([]);
    records = await k.readAll('node22');
  }, 120_000);
  afterAll(async () => {
    await Promise.all([k?.close(), daemon?.dispose(), prom?.stop()]);
  });

  it('the forwarder wrote every EMF document of the producers, byte for byte', () => {
    const emf = records.flatMap((r) => {
      const texts = recordDocumentTexts(r.data);
      return decodeRecord(r.data).documents.flatMap((d, i) => (d.origin === 'emf' ? [texts[i]!] : []));
    });
    expect(emf.sort()).toEqual(lines.flatMap((l) => (l.expect.kind === 'emf' ? [l.expect.emf] : [])).sort());
  });

  it('the StatsD consumer delivers every metric the mapping table promises to the real statsd daemon', async () => {
    const delivered = await runOnNode22('statsd', [kinesisEventFromRecords(records.map((r) => r.data))], {
      STATSD_HOST: daemon.host, STATSD_PORT: String(daemon.udpPort), STATSD_STYLE: 'statsd', STATSD_TYPE_OVERRIDES: 'Samples=counter',
    });
    expect(delivered.node).toMatch(/^v22\./);
    expect(delivered.results).toEqual([{ ok: { batchItemFailures: [] } }]);

    // UDP: wait until the daemon has every key.
    const want = expectStatsd(lines, { Samples: 'counter' });
    let got = await daemon.read();
    for (let i = 0; i < 100 && [...want.present].some((key) => !statsdKeys(got).has(key)); i++) {
      await new Promise((r) => setTimeout(r, 50));
      got = await daemon.read();
    }
    expect(want.present.size).toBeGreaterThan(20);
    expectStatsdHolds(want, got);
    expect(got.counters['statsd.bad_lines_seen'], 'the daemon parsed every line').toBe(0);
  });

  it('the example HTTP consumer posts one JSON line per datum CloudWatch would publish, with Node 22\'s own fetch', async () => {
    const receiver = await startHttpReceiver();
    try {
      const delivered = await runOnNode22('example-http', [kinesisEventFromRecords(records.map((r) => r.data))], { EXAMPLE_HTTP_URL: receiver.url });
      expect(delivered.node).toMatch(/^v22\./);
      expect(delivered.results).toEqual([{ ok: { batchItemFailures: [] } }]);
      const data = receiver.acceptedLines().map((l) => JSON.parse(l) as MetricDatum);
      expect(data.filter((d) => d.source.origin === 'emf').map(datumKey).sort()).toEqual(expectedEmfData(lines));
    } finally {
      await receiver.close();
    }
  });

  it('the Prometheus consumer writes the cumulative series the documents promise to real Prometheus, with Node 22\'s own fetch', async () => {
    const delivered = await runOnNode22('prometheus', [kinesisEventFromRecords(records.map((r) => r.data))], { PROM_RW_URL: prom.remoteWriteUrl });
    expect(delivered.node).toMatch(/^v22\./);
    expect(delivered.results).toEqual([{ ok: { batchItemFailures: [] } }]);

    const oracle = new CumulativeOracle();
    for (const l of lines) if (l.expect.kind === 'emf') oracle.addDocument(l.expect.emf, l.timestamp);
    expect(oracle.values.size).toBeGreaterThan(20);
    expect(cumulativeMismatches(oracle, await prom.rawSeries('{__name__=~".+"}', '3h'))).toEqual([]);
  });
});

describe('IAM: least privilege per function', () => {
  it('gives every function its own role and never uses a * action or a bare * resource', () => {
    for (const p of [shipped, full]) {
      expect(p.template.Resources.IamRoleLambdaExecution).toBeUndefined();
      const fns = ofType(p.template, 'AWS::Lambda::Function');
      const roles = fns.map(([, f]) => JSON.stringify(f.Properties.Role));
      expect(new Set(roles).size).toBe(fns.length);
      for (const s of allStatements(p)) {
        expect(s.Effect).toBe('Allow');
        for (const a of actionsOf(s)) expect(a).not.toContain('*');
        for (const r of resourcesOf(s)) expect(r).not.toBe('*');
      }
    }
  });

  it('lets the forwarder only put records on its stream', () => {
    for (const p of [shipped, full]) {
      const stmts = roleStatements(p.template, 'ForwarderRole');
      const kinesis = stmts.filter((s) => actionsOf(s).some((a) => a.startsWith('kinesis:')));
      expect(kinesis.map((s) => [actionsOf(s), s.Resource])).toEqual([[['kinesis:PutRecords'], getAtt('EmfStream', 'Arn')]]);
      expect(stmts.flatMap(actionsOf).filter((a) => /^(ssm|secretsmanager):/.test(a))).toEqual([]);
    }
    // A customer managed stream key: the forwarder may generate data keys with that key only.
    expect(roleStatements(full.template, 'ForwarderRole').filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')))).toEqual([
      { Sid: 'EncryptWithStreamKey', Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: STREAM_KEY },
    ]);
    expect(roleStatements(shipped.template, 'ForwarderRole').flatMap(actionsOf).filter((a) => a.startsWith('kms:'))).toEqual([]);
  });

  it('lets each consumer only read the stream (through its own consumer with enhanced fan-out)', () => {
    for (const { id } of CONSUMERS) {
      const stmts = roleStatements(full.template, `${id}Role`);
      expect(kinesisActions(stmts)).not.toContain('kinesis:PutRecords');
      const read = stmts.find((s) => s.Sid === 'ReadStream')!;
      expect([...actionsOf(read)].sort()).toEqual(READ_ACTIONS);
      expect(read.Resource).toEqual(getAtt('EmfStream', 'Arn'));
      const kms = stmts.filter((s) => actionsOf(s).includes('kms:Decrypt')).map((s) => s.Resource);
      expect(kms).toEqual(id === 'Prometheus' ? [STREAM_KEY, PROM_KEY] : [STREAM_KEY]);
    }
    const efo = roleStatements(full.template, 'PrometheusRole').find((s) => s.Sid === 'ReadViaOwnConsumer')!;
    expect([...actionsOf(efo)].sort()).toEqual(['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard']);
    expect(efo.Resource).toEqual(getAtt('PrometheusStreamConsumer', 'ConsumerARN'));
    expect(kinesisActions(roleStatements(full.template, 'StatsdRole'))).not.toContain('kinesis:SubscribeToShard');
  });

  it('lets a consumer read exactly the parameters and secrets its environment references, and no other consumer any', () => {
    const stmts = roleStatements(full.template, 'PrometheusRole');
    expect(stmts.filter((s) => actionsOf(s).some((a) => /^(ssm|secretsmanager):/.test(a))).map((s) => [s.Action, s.Resource])).toEqual([
      ['ssm:GetParameter', [{ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/emf-fanout/prom-token' }]],
      ['secretsmanager:GetSecretValue', [{ 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:emf-fanout/prom-headers-??????' }]],
    ]);
    for (const id of ['Statsd', 'ExampleDashhttp']) {
      expect(roleStatements(full.template, `${id}Role`).flatMap(actionsOf).filter((a) => /^(ssm|secretsmanager):/.test(a))).toEqual([]);
    }
    // The references, not the secrets, are what the function's environment holds.
    expect(full.template.Resources.PrometheusLambdaFunction!.Properties.Environment.Variables.PROM_RW_BEARER_TOKEN_REF).toBe('ssm:/emf-fanout/prom-token');
  });

  it('limits the new-log-group function to the selected log groups', () => {
    const s = roleStatements(full.template, 'NewDashlogDashgroupRole').find((x) => x.Sid === 'SubscribeSelectedLogGroups')!;
    expect([...actionsOf(s)].sort()).toEqual(['logs:DescribeSubscriptionFilters', 'logs:PutSubscriptionFilter']);
    const arns = (resourcesOf(s) as { 'Fn::Sub': string }[]).map((r) => r['Fn::Sub'].replace('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:', ''));
    expect(arns).toEqual(['/aws/lambda/orders-api', '/aws/lambda/orders-api:*', '/ecs/payments', '/ecs/payments:*', '/aws/lambda/shop-*']);
  });
});

describe('CloudWatch Logs → forwarder', () => {
  it('has exactly one logs.amazonaws.com permission, scoped by account and log-group ARN pattern', () => {
    for (const p of [shipped, full]) {
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
    expect(ofType(shipped.template, 'AWS::Logs::SubscriptionFilter')).toEqual([]);
    const filters = ofType(full.template, 'AWS::Logs::SubscriptionFilter');
    expect(filters.map(([, f]) => f.Properties.LogGroupName).sort()).toEqual(['/aws/lambda/orders-api', '/ecs/payments']);
    for (const [, f] of filters) {
      expect(f.Properties).toMatchObject({ FilterName: 'emf-fanout-ci', FilterPattern: '?"_aws" ?"REPORT RequestId:"', DestinationArn: getAtt('ForwarderLambdaFunction', 'Arn') });
      expect(f.DependsOn).toContain('ForwarderLogsInvokePermission');
    }
  });

  it("sets the forwarder's exclusions to the pipeline's log groups, and its failed events to an SQS queue", () => {
    const env = shipped.template.Resources.ForwarderLambdaFunction!.Properties.Environment.Variables;
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
    expect(shipped.template.Resources.NewDashlogDashgroupLambdaFunction).toBeUndefined();
    expect(ofType(shipped.template, 'Custom::EmfFanoutSubscriptions')).toEqual([]);
    expect(ofType(shipped.template, 'AWS::IAM::Policy')).toEqual([]);
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
    const s = resolve(shipped.template, shipped.template.Resources.EmfStream!.Properties) as Record<string, any>;
    expect(s).toMatchObject({ StreamModeDetails: { StreamMode: 'ON_DEMAND' }, StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' } });
    expect(s.ShardCount).toBeUndefined();
    const f = resolve(full.template, full.template.Resources.EmfStream!.Properties) as Record<string, any>;
    expect(f).toMatchObject({ StreamModeDetails: { StreamMode: 'PROVISIONED' }, ShardCount: 3, RetentionPeriodHours: 48, StreamEncryption: { KeyId: STREAM_KEY } });
  });

  it('configures each consumer mapping: partial batch failures, bisect, bounded retries and age, batching from params, SQS on failure', () => {
    expect(ofType(shipped.template, 'AWS::Lambda::EventSourceMapping')).toEqual([]);
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
    for (const [, a] of ofType(shipped.template, 'AWS::CloudWatch::Alarm')) expect((resolve(shipped.template, a.Properties) as Record<string, unknown>).AlarmActions).toBeUndefined();
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
    expect(reserved(shipped)).toEqual({ ForwarderLambdaFunction: undefined });
  });

  it('sets log retention on every function log group', () => {
    const groups = ofType(full.template, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(5);
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toBe(7);
    for (const [, g] of ofType(shipped.template, 'AWS::Logs::LogGroup')) expect(g.Properties.RetentionInDays).toBe(14);
  });
});
