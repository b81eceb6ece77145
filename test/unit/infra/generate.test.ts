import { describe, expect, it } from 'vitest';
import { generateFunctions, generateResources } from '../../../infra/serverless/generate.ts';
import { secretRefs, secretResource } from '../../../infra/serverless/iam.ts';
import { subscriptionFilterLogicalId } from '../../../infra/serverless/subscriptions.ts';
import { DEFAULT_FILTER_PATTERN } from '../../../infra/subscribe/settings.ts';
import { fixture } from './paramsFixture.ts';
import { ctx } from './slsContext.ts';

type Res = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;

/** What every deployment generates besides its functions: the forwarder's on-failure settings and alarms, the dashboard, the operator's policy. */
const ALWAYS = [
  'ForwarderLambdaEvConf',
  'ForwarderRejectedDocumentsAlarm',
  'ForwarderEventsParkedAlarm',
  'ForwarderParkingFailedAlarm',
  'PipelineDashboard',
  'ReplayOperatorPolicy',
];

describe('the deployment-wide settings at their defaults (params.fixture.yml)', () => {
  it('are every param the generator needs, and deploy the forwarder only, and no filter', async () => {
    expect(Object.keys(await generateFunctions(ctx(fixture())))).toEqual(['forwarder']);
    expect(Object.keys((await generateResources(ctx(fixture()))).Resources).sort()).toEqual([...ALWAYS].sort());
  });

  it("have the same default filter pattern as the subscription tool's fallback", () => {
    expect(fixture().filterPattern).toBe(DEFAULT_FILTER_PATTERN);
  });
});

describe('generated functions and resources', () => {
  it('names the param that is missing or out of range', async () => {
    const { batchSize: _, ...noBatch } = fixture();
    await expect(generateFunctions(ctx(noBatch))).rejects.toThrow('param "batchSize" is not set');
    await expect(generateFunctions(ctx({ ...fixture(), batchWindowSeconds: 301 }))).rejects.toThrow('param "batchWindowSeconds" must be an integer from 0 to 300');
    await expect(generateFunctions(ctx({ ...fixture(), prometheusEnabled: 'yes' }))).rejects.toThrow('param "prometheusEnabled" must be true or false');
  });

  it('refuses to subscribe a pipeline log group, an excluded one, or an invalid name', async () => {
    const p = fixture();
    await expect(generateResources(ctx({ ...p, subscribeLogGroupNames: ['/aws/lambda/emf-fanout-dev-statsd'] }))).rejects.toThrow(
      /subscribeLogGroupNames.*belongs to the pipeline.*invoke itself/,
    );
    await expect(generateResources(ctx({ ...p, subscribeLogGroupNames: ['/a/b'], excludeLogGroups: ['/a/*'] }))).rejects.toThrow(/excluded by "\/a\/\*"/);
    await expect(generateResources(ctx({ ...p, subscribeLogGroupNames: ['bad name'] }))).rejects.toThrow(/invalid log group name "bad name"/);
  });

  it('gives each listed log group one stable filter resource named <service>-<stage>', async () => {
    const r = (await generateResources(ctx({ ...fixture(), subscribeLogGroupNames: ['/a-b', '/ab'] }))).Resources as Res;
    const filters = Object.entries(r).filter(([, v]) => v.Type === 'AWS::Logs::SubscriptionFilter');
    expect(filters.map(([, v]) => v.Properties.LogGroupName).sort()).toEqual(['/a-b', '/ab']);
    expect(filters.every(([, v]) => v.Properties.FilterName === 'emf-fanout-dev' && v.DependsOn?.includes('ForwarderLogsInvokePermission'))).toBe(true);
    // Same name, same ID on every deploy; similar names never collide.
    expect(subscriptionFilterLogicalId('/a-b')).toBe(subscriptionFilterLogicalId('/a-b'));
    expect(subscriptionFilterLogicalId('/a-b')).not.toBe(subscriptionFilterLogicalId('/ab'));
    expect(subscriptionFilterLogicalId('/a-b')).toMatch(/^[A-Za-z0-9]{1,255}$/);
  });

  it('rejects a plain-text secret in a *_REF variable without echoing it, and extra statements with "*"', async () => {
    const p = { ...fixture(), prometheusEnabled: true, prometheusEnvironment: { PROM_RW_BEARER_TOKEN_REF: 'hunter2' } };
    const err = await generateFunctions(ctx(p)).catch((e: Error) => e);
    expect(String(err)).toContain('param "prometheusEnvironment.PROM_RW_BEARER_TOKEN_REF" must be a secret reference');
    expect(String(err)).not.toContain('hunter2');
    const wide = { ...fixture(), statsdEnabled: true, statsdEnvironment: { STATSD_HOST: 'statsd.internal.example.com' }, statsdIamStatements: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' }] };
    await expect(generateFunctions(ctx(wide))).rejects.toThrow(/statsdIamStatements" item 0 must name its actions/);
  });
});

describe('new-log-group function', () => {
  it('may touch every log group only when a pattern or tag selects them, and reads tags only then', async () => {
    const roleOf = async (extra: Record<string, unknown>) => {
      const r = (await generateResources(ctx({ ...fixture(), subscribeNewLogGroups: true, ...extra }))).Resources as Res;
      return r.NewDashlogDashgroupRole!.Properties.Policies[0].PolicyDocument.Statement[0] as { Action: string[]; Resource: { 'Fn::Sub': string }[] };
    };
    const byPrefix = await roleOf({ subscribeLogGroupPrefixes: ['/aws/lambda/shop-'] });
    expect(byPrefix.Resource.map((x) => x['Fn::Sub'].split(':log-group:')[1])).toEqual(['/aws/lambda/shop-*']);
    expect(byPrefix.Action).not.toContain('logs:ListTagsForResource');
    const byTag = await roleOf({ subscribeLogGroupTags: { team: 'shop' } });
    expect(byTag.Resource.map((x) => x['Fn::Sub'].split(':log-group:')[1])).toEqual(['*']);
    expect(byTag.Action).toContain('logs:ListTagsForResource');
    await expect(generateResources(ctx({ ...fixture(), subscribeNewLogGroups: true }))).rejects.toThrow(/subscribeNewLogGroups" is true but no log group is selected/);
  });
});

describe('deploy-time subscriptions (custom resource)', () => {
  const generated = async (extra: Record<string, unknown>) => {
    const c = ctx({ ...fixture(), ...extra });
    return { fns: await generateFunctions(c), r: (await generateResources(c)).Resources as Res };
  };
  type Stmt = { Sid: string; Action: string | string[]; Resource: { 'Fn::Sub': string } | { 'Fn::Sub': string }[] };
  const statementsOf = (r: Res) => r.LogGroupSubscriptionsPolicy!.Properties.PolicyDocument.Statement as Stmt[];
  const arns = (s: Stmt) => [s.Resource].flat().map((x) => x['Fn::Sub'].split(':log-group:')[1]);

  it('creates the resource, after the logs permission and its policy, with the selection and filter settings as properties', async () => {
    const { fns, r } = await generated({
      subscribeLogGroupNames: ['/aws/lambda/shop-legacy'],
      subscribeLogGroupPrefixes: ['/aws/lambda/shop-'],
      excludeLogGroups: ['/aws/lambda/shop-debug*'],
      filterPattern: '?"_aws"',
    });
    const cr = r.LogGroupSubscriptions!;
    expect(cr.Type).toBe('Custom::EmfFanoutSubscriptions');
    expect(cr.DependsOn).toEqual(['ForwarderLogsInvokePermission', 'LogGroupSubscriptionsPolicy']);
    expect(cr.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': ['NewDashlogDashgroupLambdaFunction', 'Arn'] },
      ServiceTimeout: 1200,
      Service: 'emf-fanout',
      Stage: 'dev',
      DestinationArn: { 'Fn::GetAtt': ['ForwarderLambdaFunction', 'Arn'] },
      FilterPattern: '?"_aws"',
      Prefixes: ['/aws/lambda/shop-'],
      Patterns: [],
      RequiredTags: {},
      Exclude: ['/aws/lambda/shop-debug*'],
      StackManagedNames: ['/aws/lambda/shop-legacy'],
      MaxFiltersPerLogGroup: '2',
    });
    expect(r.LogGroupSubscriptionsPolicy!.Properties.Roles).toEqual([{ Ref: 'NewDashlogDashgroupRole' }]);
    // Without subscribeNewLogGroups: the function serves the resource only, and has time for a large account.
    expect(Object.keys(fns)).toEqual(['forwarder', 'new-log-group']);
    expect((fns['new-log-group'] as { timeout: number }).timeout).toBe(900);
    expect(r.NewDashlogDashgroupCreateLogGroupRule).toBeUndefined();
    expect(r.NewDashlogDashgroupEventsInvokePermission).toBeUndefined();
  });

  it('may put filters only on the selected prefixes, list every log group, and read or delete filters anywhere', async () => {
    const { r } = await generated({ subscribeLogGroupNames: ['/ecs/payments'], subscribeLogGroupPrefixes: ['/aws/lambda/shop-', '/aws/lambda/orders-'] });
    const bySid = Object.fromEntries(statementsOf(r).map((s) => [s.Sid, s]));
    expect(Object.keys(bySid)).toEqual(['ListLogGroups', 'SubscribeSelectedLogGroups', 'RemoveOwnFilter']);
    expect([bySid.ListLogGroups!.Action, arns(bySid.ListLogGroups!)]).toEqual(['logs:DescribeLogGroups', ['*']]);
    // Names are the stack's own filters: the resource never puts one there.
    expect([bySid.SubscribeSelectedLogGroups!.Action, arns(bySid.SubscribeSelectedLogGroups!)]).toEqual([
      ['logs:PutSubscriptionFilter'],
      ['/aws/lambda/shop-*', '/aws/lambda/orders-*'],
    ]);
    expect([bySid.RemoveOwnFilter!.Action, arns(bySid.RemoveOwnFilter!)]).toEqual([['logs:DescribeSubscriptionFilters', 'logs:DeleteSubscriptionFilter'], ['*']]);
    // The role's inline policy has no CloudWatch Logs subscription rights without subscribeNewLogGroups.
    const inline = r.NewDashlogDashgroupRole!.Properties.Policies[0].PolicyDocument.Statement as Stmt[];
    expect(inline.map((s) => s.Sid)).toEqual(['OwnLogs', 'FailedEvents']);
  });

  it('widens putting to every log group only for patterns or tags, and reads tags only with tags', async () => {
    const byPattern = statementsOf((await generated({ subscribeLogGroupPatterns: ['^/batch/'] })).r).find((s) => s.Sid === 'SubscribeSelectedLogGroups')!;
    expect([byPattern.Action, arns(byPattern)]).toEqual([['logs:PutSubscriptionFilter'], ['*']]);
    const byTag = statementsOf((await generated({ subscribeLogGroupTags: { team: 'shop' } })).r).find((s) => s.Sid === 'SubscribeSelectedLogGroups')!;
    expect([byTag.Action, arns(byTag)]).toEqual([['logs:PutSubscriptionFilter', 'logs:ListTagsForResource'], ['*']]);
  });

  it('is absent for exact names alone, and for no selection at all', async () => {
    const namesOnly = await generated({ subscribeLogGroupNames: ['/ecs/payments'] });
    expect(Object.keys(namesOnly.fns)).toEqual(['forwarder']);
    expect(Object.entries(namesOnly.r).filter(([id]) => !ALWAYS.includes(id)).map(([, x]) => x.Type)).toEqual(['AWS::Logs::SubscriptionFilter']);
    const withNew = await generated({ subscribeLogGroupNames: ['/ecs/payments'], subscribeNewLogGroups: true });
    expect(withNew.r.LogGroupSubscriptions).toBeUndefined();
    expect(withNew.r.LogGroupSubscriptionsPolicy).toBeUndefined();
    expect((withNew.fns['new-log-group'] as { timeout: number }).timeout).toBe(30);
  });
});

describe('secret references → IAM resources', () => {
  it('maps SSM names and Secrets Manager names to the ARNs IAM matches', () => {
    const refs = secretRefs('x', {
      A_REF: 'ssm:/team/token',
      B: 'ssm:relative-name',
      C_REF: 'secretsmanager:prom/headers#h',
      D: 'secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf',
      PLAIN: 'https://example.com',
    });
    expect(refs.map(secretResource)).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/team/token' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/relative-name' },
      // Secrets Manager ARNs end in "-" and six random characters.
      { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:prom/headers-??????' },
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf',
    ]);
  });
});
