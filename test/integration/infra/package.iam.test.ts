/**
 * The packaged template's IAM (deployments.ts: the defaults and everything enabled): one role per
 * function, each with named actions on named resources only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { allStatements, CONSUMERS, packageDefaults, packageFull, PROM_KEY, STREAM_KEY } from './deployments.ts';
import { actionsOf, getAtt, ofType, resourcesOf, roleStatements, type Packaged, type Stmt } from './template.ts';

const READ_ACTIONS = ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'];
const kinesisActions = (stmts: Stmt[]) => stmts.flatMap(actionsOf).filter((a) => a.startsWith('kinesis:'));

let defaults: Packaged;
let full: Packaged;
beforeAll(async () => {
  defaults = await packageDefaults();
  full = await packageFull();
}, 240_000);

describe('IAM: least privilege per function', () => {
  it('gives every function its own role and never uses a * action or a bare * resource', () => {
    for (const p of [defaults, full]) {
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

