/** `npm run subscribe` (infra/subscribe/cli.ts) when the service pushes back: paging, throttling, the per-group filter limit, errors and exit codes. */
import { AccessDeniedException, InvalidParameterException, ThrottlingException } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, REGION } from '../infra/fakeLogs.ts';
import { FORWARDER, OURS, datadog, subscribeCli } from './cliHarness.ts';

const cli = subscribeCli();

describe('npm run subscribe: scale and throttling', () => {
  it('pages through thousands of log groups, reporting progress on stderr', async () => {
    for (let i = 0; i < 2_345; i++) cli.fake.addGroup(`/app/svc-${String(i).padStart(4, '0')}`);
    cli.fake.addGroup('/other/x');
    const { code, stdout, stderr } = await cli.run(['--prefix', '/app/', '--apply', '--concurrency', '8']);
    expect(code).toBe(0);
    // 2,345 log groups at 50 per page: 47 pages, each asked for once.
    expect(cli.fake.calls.DescribeLogGroups).toBe(47);
    expect(stdout).toContain('2345 will subscribe');
    expect(stdout).toContain('Applied: 2345 changed');
    expect([...cli.fake.groups.entries()].filter(([, g]) => g.filters.length === 1)).toHaveLength(2_345);
    expect(cli.fake.filtersOf('/other/x')).toEqual([]);
    expect(stderr).toContain('inspecting log groups: 2345/2345');
    expect(stderr).toContain('subscribing: 2345/2345');
  });

  it('backs off and retries throttled calls until they succeed', async () => {
    cli.fake.addGroup('/app/a').addGroup('/app/b');
    const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
    cli.fake.fail('DescribeLogGroups', throttled, 2).fail('DescribeSubscriptionFilters', throttled, 3).fail('PutSubscriptionFilter', throttled, 3);
    const { code } = await cli.run(['--prefix', '/app/', '--apply']);
    expect(code).toBe(0);
    expect(cli.fake.calls.DescribeLogGroups).toBe(3);
    expect(cli.fake.calls.PutSubscriptionFilter).toBe(5);
    expect(cli.fake.filtersOf('/app/a')).toEqual([OURS]);
    expect(cli.fake.filtersOf('/app/b')).toEqual([OURS]);
  });

  it('exits non-zero with the error and a hint when throttling outlasts the retries', async () => {
    cli.fake.addGroup('/app/a');
    cli.fake.fail('DescribeSubscriptionFilters', () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }), 100);
    const { code, stderr } = await cli.run(['--prefix', '/app/']);
    expect(code).toBe(1);
    expect(stderr).toContain('ThrottlingException: Rate exceeded');
    expect(stderr).toContain('lower --concurrency');
  });
});

describe('npm run subscribe: the per-group filter limit', () => {
  it('reports a log group that filled up between plan and apply as blocked, naming the filters in the way', async () => {
    cli.fake.addGroup('/app/race', { filters: [datadog] });
    const late = { filterName: 'late-tool', destinationArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:late`, filterPattern: '' };
    cli.fake.beforePut = (name) => {
      if (name === '/app/race' && cli.fake.filtersOf(name).length === 1) cli.fake.filtersOf(name).push(late);
    };
    const { code, stdout, stderr } = await cli.run(['--name', '/app/race', '--apply']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/blocked\s+\/app\/race\s+filter limit reached since planning: datadog → lambda:function:dd-forwarder, late-tool/);
    expect(stderr).toContain('blocked by the per-group filter limit');
    expect(cli.fake.filtersOf('/app/race')).toEqual([datadog, late]);
  });
});

describe('npm run subscribe: errors', () => {
  it('stops at the first failed change, names the log group, explains, and exits 1', async () => {
    cli.fake.addGroup('/app/a').addGroup('/app/b').addGroup('/app/c');
    cli.fake.fail(
      'PutSubscriptionFilter',
      () => new InvalidParameterException({ message: 'Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.', $metadata: {} }),
      1,
    );
    const { code, stderr } = await cli.run(['--prefix', '/app/', '--apply', '--concurrency', '1']);
    expect(code).toBe(1);
    expect(stderr).toContain('PutSubscriptionFilter failed on /app/a: InvalidParameterException');
    expect(stderr).toContain(`The forwarder ${FORWARDER} must exist`);
    expect(stderr).toContain('2 change(s) not started');
    expect(cli.fake.calls.PutSubscriptionFilter).toBe(1);
  });

  it('exits 1 when listing is denied', async () => {
    cli.fake.fail('DescribeLogGroups', () => new AccessDeniedException({ message: 'not authorized to perform logs:DescribeLogGroups', $metadata: {} }));
    const { code, stderr } = await cli.run(['--prefix', '/app/']);
    expect(code).toBe(1);
    expect(stderr).toContain('AccessDeniedException: not authorized to perform logs:DescribeLogGroups');
  });

  it('exits 2 on bad usage, a bad regular expression, an empty selection or an unresolvable setting', async () => {
    expect((await cli.run(['--frobnicate'])).code).toBe(2);
    const badRegex = await cli.run(['--pattern', '(unclosed']);
    expect(badRegex.code).toBe(2);
    expect(badRegex.stderr).toContain('"(unclosed" is not a valid regular expression');
    const empty = await cli.run([]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('nothing selected');
    cli.withParams('default:\n  subscribeLogGroupPrefixes: ["${env:PREFIX}"]\n');
    const variable = await cli.run([]);
    expect(variable.code).toBe(2);
    expect(variable.stderr).toContain('subscribeLogGroupPrefixes uses a Serverless variable');
    expect(cli.fake.calls.DescribeLogGroups ?? 0).toBe(0);
  });
});
