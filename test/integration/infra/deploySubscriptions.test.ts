/**
 * Deploy-time subscription of existing log groups (`Custom::EmfFanoutSubscriptions`), as
 * `sls package` builds it: the resource, its ordering, its IAM, and the bundled function
 * answering a CloudFormation request. (Without any selection the resource is absent: see
 * package.template.test.ts, the default settings.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { startHttpReceiver } from '../../helpers/httpReceiver.ts';
import { actionsOf, getAtt, ofType, type Packaged, paramsWith, policyStatements, resourcesOf, roleStatements, slsPackage, type Stmt } from './template.ts';
import { readZip } from './unzip.ts';

const LOG_GROUP_ARN = 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:';
const logGroupsOf = (s: Stmt) => (resourcesOf(s) as { 'Fn::Sub': string }[]).map((r) => r['Fn::Sub'].replace(LOG_GROUP_ARN, ''));
const customResources = (p: Packaged) => ofType(p.template, 'Custom::EmfFanoutSubscriptions');

/** Names, a prefix and new log groups: the resource beside the stack's filters and the EventBridge rule. */
let byPrefix: Packaged;
/** A pattern and a tag alone: the function exists for the resource only. */
let byPattern: Packaged;

beforeAll(async () => {
  byPrefix = await slsPackage(
    'pfx',
    paramsWith({
      subscribeLogGroupNames: ['/aws/lambda/orders-api', '/ecs/payments'],
      subscribeLogGroupPrefixes: ['/aws/lambda/shop-'],
      excludeLogGroups: ['/aws/lambda/shop-debug*'],
      filterPattern: '?"_aws" ?"REPORT RequestId:"',
      subscribeNewLogGroups: true,
    }),
  );
  byPattern = await slsPackage('pat', paramsWith({ subscribeLogGroupPatterns: ['^/batch/(nightly|hourly)-'], subscribeLogGroupTags: { team: 'shop' } }));
}, 240_000);

describe('the custom resource', () => {
  it('is one resource, after the ONE logs.amazonaws.com permission and its own policy, carrying the selection and filter settings', () => {
    const crs = customResources(byPrefix);
    expect(crs.map(([id]) => id)).toEqual(['LogGroupSubscriptions']);
    const [, cr] = crs[0]!;
    expect(cr.DependsOn).toEqual(['ForwarderLogsInvokePermission', 'LogGroupSubscriptionsPolicy']);
    expect(byPrefix.template.Resources.ForwarderLogsInvokePermission!.Properties.Principal).toBe('logs.amazonaws.com');
    expect(ofType(byPrefix.template, 'AWS::Lambda::Permission').filter(([, r]) => r.Properties.Principal === 'logs.amazonaws.com')).toHaveLength(1);
    expect(cr.Properties).toEqual({
      ServiceToken: getAtt('NewDashlogDashgroupLambdaFunction', 'Arn'),
      ServiceTimeout: 1200,
      Service: 'emf-fanout',
      Stage: 'pfx',
      DestinationArn: getAtt('ForwarderLambdaFunction', 'Arn'),
      FilterPattern: '?"_aws" ?"REPORT RequestId:"',
      Prefixes: ['/aws/lambda/shop-'],
      Patterns: [],
      RequiredTags: {},
      Exclude: ['/aws/lambda/shop-debug*'],
      StackManagedNames: ['/aws/lambda/orders-api', '/ecs/payments'],
      MaxFiltersPerLogGroup: '2',
    });
    // CloudFormation stops waiting after ServiceTimeout; the function answers before its own timeout.
    const fn = byPrefix.template.Resources.NewDashlogDashgroupLambdaFunction!;
    expect(fn.Properties.Timeout).toBe(900);
    expect(cr.Properties.ServiceTimeout).toBeGreaterThan(fn.Properties.Timeout);
    // Exact names stay stack filter resources; the rule for new log groups is still there.
    expect(ofType(byPrefix.template, 'AWS::Logs::SubscriptionFilter').map(([, f]) => f.Properties.LogGroupName).sort()).toEqual(['/aws/lambda/orders-api', '/ecs/payments']);
    expect(byPrefix.template.Resources.NewDashlogDashgroupCreateLogGroupRule).toBeDefined();
  });

  it('is served by the function alone when only patterns and tags select: no EventBridge rule', () => {
    expect(byPattern.zips).toEqual(['forwarder.zip', 'new-log-group.zip']);
    expect(customResources(byPattern)[0]![1].Properties).toMatchObject({ Prefixes: [], Patterns: ['^/batch/(nightly|hourly)-'], RequiredTags: { team: 'shop' }, StackManagedNames: [] });
    expect(ofType(byPattern.template, 'AWS::Events::Rule')).toEqual([]);
    expect(ofType(byPattern.template, 'AWS::Lambda::Permission').map(([, p]) => p.Properties.Principal)).toEqual(['logs.amazonaws.com']);
  });
});

describe('IAM of the deploy-time resource', () => {
  it('puts filters only on the selected prefixes; lists, reads and deletes filters on any log group', () => {
    const policy = byPrefix.template.Resources.LogGroupSubscriptionsPolicy!;
    expect(policy.Type).toBe('AWS::IAM::Policy');
    expect(policy.Properties.Roles).toEqual([{ Ref: 'NewDashlogDashgroupRole' }]);
    expect(policyStatements(byPrefix.template, 'LogGroupSubscriptionsPolicy').map((s) => [s.Sid, actionsOf(s), logGroupsOf(s)])).toEqual([
      ['ListLogGroups', ['logs:DescribeLogGroups'], ['*']],
      ['SubscribeSelectedLogGroups', ['logs:PutSubscriptionFilter'], ['/aws/lambda/shop-*']],
      ['RemoveOwnFilter', ['logs:DescribeSubscriptionFilters', 'logs:DeleteSubscriptionFilter'], ['*']],
    ]);
    // The role keeps the CreateLogGroup path's rights: names and prefixes, no deletion, no tags.
    const inline = roleStatements(byPrefix.template, 'NewDashlogDashgroupRole');
    const events = inline.find((s) => s.Sid === 'SubscribeSelectedLogGroups')!;
    expect(actionsOf(events)).toEqual(['logs:DescribeSubscriptionFilters', 'logs:PutSubscriptionFilter']);
    expect(inline.flatMap(actionsOf).filter((a) => a.startsWith('logs:') && !['logs:CreateLogStream', 'logs:PutLogEvents'].includes(a))).toEqual([
      'logs:DescribeSubscriptionFilters',
      'logs:PutSubscriptionFilter',
    ]);
  });

  it('widens putting to every log group only for a pattern or tag, and reads tags only then', () => {
    const wide = policyStatements(byPattern.template, 'LogGroupSubscriptionsPolicy').find((s) => s.Sid === 'SubscribeSelectedLogGroups')!;
    expect([actionsOf(wide), logGroupsOf(wide)]).toEqual([['logs:PutSubscriptionFilter', 'logs:ListTagsForResource'], ['*']]);
    // Without subscribeNewLogGroups the role itself holds no subscription rights.
    expect(roleStatements(byPattern.template, 'NewDashlogDashgroupRole').map((s) => s.Sid)).toEqual(['OwnLogs', 'FailedEvents']);
  });
});

describe('the bundled function, as CloudFormation calls it', () => {
  it('answers a custom resource request with a PUT to the response URL, also when the request is invalid', async () => {
    const receiver = await startHttpReceiver();
    try {
      const [, code] = [...readZip(join(byPattern.dir, 'new-log-group.zip')).entries()].find(([n]) => n.endsWith('.mjs'))!;
      const file = join(mkdtempSync(join(tmpdir(), 'emf-cr-')), 'new-log-group.mjs');
      writeFileSync(file, code);
      const properties = {
        ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:emf-fanout-pat-new-log-group',
        Service: 'emf-fanout',
        Stage: 'pat',
        DestinationArn: 'arn:aws:lambda:eu-west-1:123456789012:function:emf-fanout-pat-forwarder',
        FilterPattern: '',
        Patterns: ['(unclosed'],
        MaxFiltersPerLogGroup: '2',
      };
      const event = {
        RequestType: 'Create',
        ResponseURL: `${receiver.url}?X-Amz-Signature=0123`,
        StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/emf-fanout-pat/8a2b7c40-0000-4000-8000-000000000000',
        RequestId: 'req-bundle-1',
        LogicalResourceId: 'LogGroupSubscriptions',
        ResourceType: 'Custom::EmfFanoutSubscriptions',
        ServiceToken: properties.ServiceToken,
        ResourceProperties: properties,
      };
      const script =
        `const { handler } = await import(${JSON.stringify(`file://${file}`)});` +
        `const out = await handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 60000 });` +
        `console.log(JSON.stringify(out)); process.exit(0);`;
      // No function environment at all: the request is still answered.
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', LOG_LEVEL: 'error' },
      });
      expect(stdout.trim().split('\n').at(-1)).toBe('{"outcome":"FAILED"}');
      expect(receiver.requests.map((r) => [r.method, r.url, r.headers['content-type']])).toEqual([['PUT', '/ingest?X-Amz-Signature=0123', '']]);
      expect(JSON.parse(receiver.requests[0]!.body)).toEqual({
        Status: 'FAILED',
        Reason: expect.stringContaining('invalid property: ResourceProperties.Patterns "(unclosed" is not a valid regular expression'),
        PhysicalResourceId: 'emf-fanout-pat-LogGroupSubscriptions',
        StackId: event.StackId,
        RequestId: 'req-bundle-1',
        LogicalResourceId: 'LogGroupSubscriptions',
        Data: {},
      });
    } finally {
      await receiver.close();
    }
  }, 60_000);
});
