/**
 * The packaged template's IAM (deployments.ts: the defaults and everything enabled): one role per
 * function, each with named actions on named resources only; the replay operator's policy, which no
 * function has, and its description in docs/deploy.md.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { allStatements, CONSUMERS, DD_API_KEY_REF, DD_API_KEY_SECRET, packageDefaults, packageFull, PROM_KEY, STREAM_KEY } from './deployments.ts';
import { actionsOf, getAtt, ofType, policyStatements, resolve, resourcesOf, roleStatements, type Packaged, type Stmt } from './template.ts';

const READ_ACTIONS = ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'];
const kinesisActions = (stmts: Stmt[]) => stmts.flatMap(actionsOf).filter((a) => a.startsWith('kinesis:'));

let defaults: Packaged;
let full: Packaged;
beforeAll(async () => {
  defaults = await packageDefaults();
  full = await packageFull();
}, 240_000);

describe('IAM: least privilege per function', () => {
  it('gives every function its own role and never uses a * action, nor a bare * resource but for the two CloudWatch reads that take no resource', () => {
    for (const p of [defaults, full]) {
      expect(p.template.Resources.IamRoleLambdaExecution).toBeUndefined();
      const fns = ofType(p.template, 'AWS::Lambda::Function');
      const roles = fns.map(([, f]) => JSON.stringify(f.Properties.Role));
      expect(new Set(roles).size).toBe(fns.length);
      for (const s of allStatements(p)) {
        expect(s.Effect).toBe('Allow');
        for (const a of actionsOf(s)) expect(a).not.toContain('*');
      }
    }
    expect(allStatements(defaults).filter((s) => resourcesOf(s).includes('*'))).toEqual([]);
    // The metrics scraper's GetMetricData and ListMetrics support no resource-level permissions: the only "*", in its role alone.
    const wildcard = [
      ...ofType(full.template, 'AWS::IAM::Role').flatMap(([id]) => roleStatements(full.template, id).map((s) => [id, s] as const)),
      ...ofType(full.template, 'AWS::IAM::Policy').flatMap(([id]) => policyStatements(full.template, id).map((s) => [id, s] as const)),
    ].filter(([, s]) => resourcesOf(s).includes('*'));
    expect(wildcard).toEqual([['MetricsDashscraperRole', { Sid: 'CloudWatchMetricsRead', Effect: 'Allow', Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'], Resource: '*' }]]);
  });

  it('lets the metrics scraper only put records on this stream, with its key, and read log groups\' tags only for a tag rule', () => {
    const stmts = roleStatements(full.template, 'MetricsDashscraperRole');
    expect(stmts.filter((s) => actionsOf(s).some((a) => a.startsWith('kinesis:'))).map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([[['kinesis:PutRecords'], [getAtt('EmfStream', 'Arn')]]]);
    expect(stmts.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')))).toEqual([{ Sid: 'EncryptWithStreamKey', Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: STREAM_KEY }]);
    // The full deployment has no tag rule.
    expect(stmts.flatMap(actionsOf).filter((a) => a.startsWith('logs:')).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(stmts.flatMap(actionsOf).filter((a) => a.startsWith('sqs:'))).toEqual(['sqs:SendMessage']);
    expect(stmts.find((s) => s.Sid === 'FailedRuns')!.Resource).toEqual(getAtt('MetricsDashscraperFailureQueue', 'Arn'));
    expect(defaults.template.Resources.MetricsDashscraperRole).toBeUndefined();
  });

  it('lets the forwarder only put records on its stream', () => {
    for (const p of [defaults, full]) {
      const stmts = roleStatements(p.template, 'ForwarderRole');
      const kinesis = stmts.filter((s) => actionsOf(s).some((a) => a.startsWith('kinesis:')));
      expect(kinesis.map((s) => [actionsOf(s), s.Resource])).toEqual([[['kinesis:PutRecords'], getAtt('EmfStream', 'Arn')]]);
      expect(stmts.flatMap(actionsOf).filter((a) => /^(ssm|secretsmanager):/.test(a))).toEqual([]);
    }
    // A customer managed stream key: the forwarder may generate data keys with that key only.
    expect(roleStatements(full.template, 'ForwarderRole').filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')))).toEqual([
      { Sid: 'EncryptWithStreamKey', Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: STREAM_KEY },
    ]);
    expect(roleStatements(defaults.template, 'ForwarderRole').flatMap(actionsOf).filter((a) => a.startsWith('kms:'))).toEqual([]);
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

  it('lets a consumer read exactly the parameters and secrets its environment references (an extension\'s too), and no other consumer any', () => {
    const stmts = roleStatements(full.template, 'PrometheusRole');
    expect(stmts.filter((s) => actionsOf(s).some((a) => /^(ssm|secretsmanager):/.test(a))).map((s) => [s.Action, s.Resource])).toEqual([
      ['ssm:GetParameter', [{ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/emf-fanout/prom-token' }]],
      ['secretsmanager:GetSecretValue', [{ 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:emf-fanout/prom-headers-??????' }]],
    ]);
    // StatsD: exactly the secret of the Datadog Lambda extension's API key (DD_API_KEY_SECRET_ARN), which the extension reads with the function's role.
    expect(roleStatements(full.template, 'StatsdRole').filter((s) => actionsOf(s).some((a) => /^(ssm|secretsmanager):/.test(a))).map((s) => [s.Action, s.Resource])).toEqual([
      ['secretsmanager:GetSecretValue', [DD_API_KEY_SECRET]],
    ]);
    // Datadog's API consumer: exactly the secret DD_API_KEY_REF names, nothing else of Secrets Manager or SSM.
    expect(roleStatements(full.template, 'DatadogRole').filter((s) => actionsOf(s).some((a) => /^(ssm|secretsmanager|kms):/.test(a))).map((s) => [s.Action, s.Resource])).toEqual([
      ['kms:Decrypt', STREAM_KEY],
      ['secretsmanager:GetSecretValue', [{ 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:emf-fanout/datadog-??????' }]],
    ]);
    expect(full.template.Resources.DatadogLambdaFunction!.Properties.Environment.Variables.DD_API_KEY_REF).toBe(DD_API_KEY_REF);
    expect(roleStatements(full.template, 'ExampleDashhttpRole').flatMap(actionsOf).filter((a) => /^(ssm|secretsmanager):/.test(a))).toEqual([]);
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


/** Logical IDs a value references (`Ref`, `Fn::GetAtt`), pseudo parameters aside. */
function referencedIds(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(referencedIds);
  if (v === null || typeof v !== 'object') return [];
  const o = v as Record<string, unknown>;
  if (typeof o.Ref === 'string') return o.Ref.startsWith('AWS::') ? [] : [o.Ref];
  if (Array.isArray(o['Fn::GetAtt'])) return [String(o['Fn::GetAtt'][0])];
  return Object.values(o).flatMap(referencedIds);
}

describe('IAM: failed events and replay', () => {
  it("lets the forwarder put objects only under its own prefix of the parking bucket, and list that bucket", () => {
    for (const p of [defaults, full]) {
      const name = p.template.Resources.ForwarderLambdaFunction!.Properties.FunctionName as string;
      const s3 = roleStatements(p.template, 'ForwarderRole').filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
      expect(s3.map((s) => [actionsOf(s), s.Resource])).toEqual([
        [['s3:PutObject'], { 'Fn::Join': ['', [getAtt('ForwarderParkingBucket', 'Arn'), `/aws/lambda/async/${name}/*`]] }],
        [['s3:ListBucket'], getAtt('ForwarderParkingBucket', 'Arn')],
      ]);
      // Nothing else of S3 or SQS for the forwarder: its failure destination is the bucket alone.
      expect(roleStatements(p.template, 'ForwarderRole').flatMap(actionsOf).filter((a) => /^(s3|sqs):/.test(a)).sort()).toEqual(['s3:ListBucket', 's3:PutObject']);
    }
  });

  it("gives no function the operator's permissions: reading or removing parked events, receiving failed batches, invoking functions", () => {
    const forbidden = ['s3:GetObject', 's3:DeleteObject', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'lambda:InvokeFunction'];
    for (const p of [defaults, full]) {
      expect(allStatements(p).flatMap(actionsOf).filter((a) => forbidden.includes(a))).toEqual([]);
      // The operator's policy is attached to nothing, and no role names it.
      const [, policy] = ofType(p.template, 'AWS::IAM::ManagedPolicy').find(([id]) => id === 'ReplayOperatorPolicy')!;
      expect([policy.Properties.Roles, policy.Properties.Users, policy.Properties.Groups]).toEqual([undefined, undefined, undefined]);
      for (const [id, role] of ofType(p.template, 'AWS::IAM::Role')) expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? []), id).not.toContain('ReplayOperatorPolicy');
    }
  });

  it("gives the operator's policy what npm run replay needs, on this stack's resources only", () => {
    const t = full.template;
    const stmts = (resolve(t, t.Resources.ReplayOperatorPolicy!.Properties.PolicyDocument) as { Statement: (Stmt & { Condition?: unknown })[] }).Statement;
    const bySid = new Map(stmts.map((s) => [s.Sid!, s]));
    const name = t.Resources.ForwarderLambdaFunction!.Properties.FunctionName as string;
    expect([...actionsOf(bySid.get('ReadAndRemoveParkedEvents')!)].sort()).toEqual(['s3:DeleteObject', 's3:GetObject']);
    expect(bySid.get('ReadAndRemoveParkedEvents')!.Resource).toEqual({ 'Fn::Join': ['', [getAtt('ForwarderParkingBucket', 'Arn'), `/aws/lambda/async/${name}/*`]] });
    expect(bySid.get('ListParkedEvents')!.Condition).toEqual({ StringLike: { 's3:prefix': `aws/lambda/async/${name}/*` } });
    expect(referencedIds(bySid.get('InvokePipeline')!.Resource).sort()).toEqual(['Forwarder', ...CONSUMERS.map((c) => c.id)].map((id) => `${id}LambdaFunction`).sort());
    expect(referencedIds(bySid.get('ReadFailedBatches')!.Resource).sort()).toEqual(CONSUMERS.map((c) => `${c.id}FailureQueue`).sort());
    expect(bySid.get('DecryptStream')!.Resource).toBe(STREAM_KEY);
    // Configuration of the stage's functions by name: the forwarder's name, with its function key as the wildcard.
    const fnPattern = (bySid.get('ReadPipelineFunctions')!.Resource as { 'Fn::Sub': string })['Fn::Sub'];
    expect(fnPattern).toBe(`arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${name.slice(0, -'forwarder'.length)}*`);
    // Only ListEventSourceMappings, which takes no resource, is on "*".
    expect(stmts.filter((s) => resourcesOf(s).includes('*')).map((s) => actionsOf(s))).toEqual([['lambda:ListEventSourceMappings']]);
    for (const id of referencedIds(stmts)) expect(t.Resources[id], id).toBeDefined();
    // Without consumers or a stream key: no queue, no key.
    const d = (resolve(defaults.template, defaults.template.Resources.ReplayOperatorPolicy!.Properties.PolicyDocument) as { Statement: Stmt[] }).Statement;
    expect(d.map((s) => s.Sid)).toEqual(['ReadForwarderFailureSettings', 'ReadPipelineFunctions', 'FindEventSourceMappings', 'InvokePipeline', 'ListParkedEvents', 'ReadAndRemoveParkedEvents', 'ReadStream']);
  });

  it('is described in docs/deploy.md as it is: the output its example reads, and each statement\'s actions and resources', () => {
    const doc = readFileSync(new URL('../../../docs/deploy.md', import.meta.url), 'utf8');
    const section = doc.split(/^## /m).find((s) => s.startsWith('Operator policy for replay'));
    expect(section).toBeDefined();
    const t = full.template;
    // The example's output keys exist, and the policy's output is the policy.
    const keys = [...section!.matchAll(/OutputKey==`?'([A-Za-z]+)'/g)].map((m) => m[1]!);
    expect(keys).toContain('ReplayOperatorPolicyArn');
    for (const k of keys) expect(t.Outputs?.[k], k).toBeDefined();
    expect(t.Outputs?.ReplayOperatorPolicyArn).toMatchObject({ Value: { Ref: 'ReplayOperatorPolicy' } });
    // The table: | `Sid` | `actions` | resources (logical IDs in backticks) |
    const rows = section!.split('\n').filter((l) => /^\| `[A-Za-z]+` \|/.test(l)).map((l) => l.split('|').slice(1, -1).map((c) => [...c.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)));
    const stmts = (resolve(t, t.Resources.ReplayOperatorPolicy!.Properties.PolicyDocument) as { Statement: Stmt[] }).Statement;
    expect(rows.map(([sid]) => sid![0])).toEqual(stmts.map((s) => s.Sid));
    for (const [sid, actions, on] of rows) {
      const s = stmts.find((x) => x.Sid === sid![0])!;
      expect([...actions!].sort(), sid![0]).toEqual([...actionsOf(s)].sort());
      // Every logical ID the row names is one the statement references (placeholders like <Consumer>… aside).
      const named = on!.filter((x) => /^[A-Z][A-Za-z]+$/.test(x));
      for (const id of named) expect(referencedIds(s.Resource), `${sid![0]}: ${id}`).toContain(id);
    }
  });
});
