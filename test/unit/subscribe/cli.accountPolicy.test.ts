/** `npm run subscribe -- --account-policy` (infra/subscribe/cli.ts): the account-level subscription filter policy. */
import { describe, expect, it } from 'vitest';
import { FORWARDER, PATTERN, subscribeCli } from './cliHarness.ts';

const cli = subscribeCli();

describe('npm run subscribe: --account-policy', () => {
  it('puts one subscription filter policy excluding every pipeline log group, idempotently, and removes it', async () => {
    cli.fake.addGroup('/aws/lambda/emf-fanout-dev-forwarder').addGroup('/aws/lambda/emf-fanout-prod-forwarder').addGroup('/noisy/a').addGroup('/aws/lambda/app');
    cli.withParams(`default:\n  filterPattern: '${PATTERN}'\n  excludeLogGroups: [/audit/trail, '/noisy/*']\n`);
    const plan = await cli.run(['--account-policy']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('account-level subscription filter policy "emf-fanout-dev": will create');
    expect(plan.stdout).toContain('exclusion "/noisy/*" is a prefix');
    expect(cli.fake.policies).toEqual([]);

    const applied = await cli.run(['--account-policy', '--apply']);
    expect(applied.code).toBe(0);
    expect(cli.fake.policies).toHaveLength(1);
    const policy = cli.fake.policies[0]!;
    expect(policy.policyType).toBe('SUBSCRIPTION_FILTER_POLICY');
    expect(JSON.parse(policy.policyDocument)).toEqual({ DestinationArn: FORWARDER, FilterPattern: PATTERN });
    const match = /^LogGroupName NOT IN (\[.*\])$/.exec(policy.selectionCriteria ?? '');
    expect(match).not.toBeNull();
    const excluded = JSON.parse(match![1]!) as string[];
    // Every function of this stage, deployed or not, and every existing pipeline log group of other stages.
    for (const fn of ['forwarder', 'prometheus', 'statsd', 'example-http', 'new-log-group']) expect(excluded).toContain(`/aws/lambda/emf-fanout-dev-${fn}`);
    expect(excluded).toContain('/aws/lambda/emf-fanout-prod-forwarder');
    expect(excluded).toContain('/audit/trail');
    expect(excluded).toContain('/noisy/a');
    expect(excluded).not.toContain('/aws/lambda/app');

    const again = await cli.run(['--account-policy', '--apply']);
    expect(again.stdout).toContain('unchanged');
    expect(cli.fake.calls.PutAccountPolicy).toBe(1);

    const removed = await cli.run(['--account-policy', '--unsubscribe', '--apply']);
    expect(removed.code).toBe(0);
    expect(cli.fake.policies).toEqual([]);
  });

  it('warns when the forwarder\'s invoke permission would refuse most of the account\'s log groups', async () => {
    cli.fake.addGroup('/aws/lambda/emf-fanout-dev-forwarder');
    cli.withParams(`default:\n  logsPermissionLogGroupPattern: '/aws/lambda/*'\n`);
    const { code, stderr } = await cli.run(['--account-policy']);
    expect(code).toBe(0);
    expect(stderr).toContain('logsPermissionLogGroupPattern is "/aws/lambda/*"');
  });

  it('leaves another tool\'s account policy alone', async () => {
    cli.fake.addGroup('/aws/lambda/emf-fanout-dev-forwarder');
    cli.fake.policies.push({ policyName: 'vendor', policyDocument: '{"DestinationArn":"arn:aws:firehose:x"}', policyType: 'SUBSCRIPTION_FILTER_POLICY' });
    const removed = await cli.run(['--account-policy', '--unsubscribe', '--apply']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('nothing to delete');
    expect(cli.fake.policies.map((p) => p.policyName)).toEqual(['vendor']);
  });
});
