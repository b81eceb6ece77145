import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessDeniedException, InvalidParameterException, ThrottlingException } from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../infra/subscribe/cli.ts';
import { ACCOUNT, captureIo, FakeLogs, REGION } from './fakeLogs.ts';

const FORWARDER = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:emf-fanout-dev-forwarder`;
const PATTERN = '?"_aws" ?"REPORT RequestId:"';
const OURS = { filterName: 'emf-fanout-dev', destinationArn: FORWARDER, filterPattern: PATTERN };
const datadog = { filterName: 'datadog', destinationArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:dd-forwarder`, filterPattern: '' };
const splunk = { filterName: 'splunk', destinationArn: `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/splunk`, filterPattern: '' };

let fake: FakeLogs;
let dir: string;

/** A working directory with a params file; the CLI reads it like config/params.yml. */
function withParams(yaml: string): string {
  writeFileSync(join(dir, 'params.yml'), yaml);
  return join(dir, 'params.yml');
}

/** The plan table rows: ACTION, LOG GROUP, DETAIL (columns are separated by two or more spaces). */
function planRows(stdout: string): { action: string; group: string; detail: string }[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('ACTION'));
  if (start < 0) return [];
  const rows: { action: string; group: string; detail: string }[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const [action = '', group = '', ...rest] = line.split(/ {2,}/);
    rows.push({ action, group, detail: rest.join('  ') });
  }
  return rows;
}

async function run(args: string[], env: Record<string, string> = {}) {
  const c = captureIo(dir);
  const code = await runCli([...args, '--params', join(dir, 'params.yml')], { ...c.io, env: { ...c.io.env, ...env } });
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

beforeEach(() => {
  fake = new FakeLogs();
  dir = mkdtempSync(join(tmpdir(), 'emf-subscribe-'));
  withParams(`default:\n  filterPattern: '${PATTERN}'\n`);
});
afterEach(() => fake.restore());

describe('npm run subscribe: plan, apply, idempotency', () => {
  beforeEach(() => {
    fake
      .addGroup('/aws/lambda/shop-a')
      .addGroup('/aws/lambda/shop-b', { filters: [OURS] })
      .addGroup('/aws/lambda/shop-c', { filters: [datadog, splunk] })
      .addGroup('/aws/lambda/shop-d', { filters: [datadog] })
      .addGroup('/aws/lambda/shop-e', { filters: [{ ...OURS, filterPattern: '' }] })
      .addGroup('/aws/lambda/emf-fanout-dev-forwarder')
      .addGroup('/aws/lambda/emf-fanout-prod-statsd')
      .addGroup('/ecs/unrelated');
  });

  it('prints a plan table and changes nothing without --apply', async () => {
    const { code, stdout } = await run(['--prefix', '/aws/lambda/']);
    expect(code).toBe(0);
    const rows = planRows(stdout);
    const row = (g: string) => rows.find((r) => r.group === g);
    expect(row('/aws/lambda/shop-a')?.action).toBe('will subscribe');
    expect(row('/aws/lambda/shop-b')?.action).toBe('already subscribed');
    expect(row('/aws/lambda/shop-c')?.action).toBe('blocked');
    // The filters in the way are named, with where they deliver.
    expect(row('/aws/lambda/shop-c')?.detail).toContain('datadog → lambda:function:dd-forwarder');
    expect(row('/aws/lambda/shop-c')?.detail).toContain('splunk');
    expect(row('/aws/lambda/shop-d')?.action).toBe('will subscribe');
    expect(row('/aws/lambda/shop-e')?.action).toBe('will update');
    expect(row('/aws/lambda/shop-e')?.detail).toContain('filter pattern');
    // The pipeline's own log groups, of this and of other stages, are held back.
    expect(row('/aws/lambda/emf-fanout-dev-forwarder')?.action).toBe('excluded');
    expect(row('/aws/lambda/emf-fanout-prod-statsd')?.detail).toContain('belongs to the pipeline');
    expect(row('/ecs/unrelated')).toBeUndefined();
    expect(stdout).toContain(`→ ${FORWARDER}`);
    expect(stdout).toContain('Nothing was changed. Run again with --apply');
    expect(fake.calls.PutSubscriptionFilter ?? 0).toBe(0);
    expect(fake.filtersOf('/aws/lambda/shop-a')).toEqual([]);
  });

  it('applies the plan, keeps other filters, and a second apply changes nothing', async () => {
    const first = await run(['--prefix', '/aws/lambda/', '--apply']);
    expect(first.code).toBe(0);
    expect(fake.filtersOf('/aws/lambda/shop-a')).toEqual([OURS]);
    expect(fake.filtersOf('/aws/lambda/shop-d')).toEqual([datadog, OURS]);
    expect(fake.filtersOf('/aws/lambda/shop-e')).toEqual([OURS]);
    expect(fake.filtersOf('/aws/lambda/shop-c')).toEqual([datadog, splunk]);
    expect(fake.filtersOf('/aws/lambda/emf-fanout-dev-forwarder')).toEqual([]);
    expect(fake.filtersOf('/aws/lambda/emf-fanout-prod-statsd')).toEqual([]);
    expect(first.stdout).toContain('Applied: 3 changed, 0 blocked');
    expect(first.stderr).toContain('1 log group(s) blocked by the per-group filter limit');

    const puts = fake.calls.PutSubscriptionFilter;
    const second = await run(['--prefix', '/aws/lambda/', '--apply']);
    expect(second.code).toBe(0);
    expect(fake.calls.PutSubscriptionFilter).toBe(puts);
    expect(planRows(second.stdout).filter((r) => r.action.startsWith('will'))).toEqual([]);
    expect(second.stdout).toContain('Applied: 0 changed');
  });

  it('treats a filter of another tool that already delivers to the forwarder as subscribed, and leaves it alone', async () => {
    fake.addGroup('/aws/lambda/shop-f', { filters: [{ filterName: 'hand-made', destinationArn: FORWARDER, filterPattern: '' }] });
    const { code, stdout } = await run(['--name', '/aws/lambda/shop-f', '--apply']);
    expect(code).toBe(0);
    expect(planRows(stdout)[0]).toMatchObject({ action: 'already subscribed', group: '/aws/lambda/shop-f' });
    expect(fake.filtersOf('/aws/lambda/shop-f').map((f) => f.filterName)).toEqual(['hand-made']);
  });
});

describe('npm run subscribe: --unsubscribe', () => {
  it('removes only emf-fanout-dev filters; other tools, other stages and stack-managed filters stay', async () => {
    const prodOurs = { ...OURS, filterName: 'emf-fanout-prod' };
    fake
      .addGroup('/app/one', { filters: [datadog, OURS] })
      .addGroup('/app/two', { filters: [prodOurs, OURS] })
      .addGroup('/app/three', { filters: [splunk] })
      .addGroup('/app/stack', { filters: [OURS] });
    withParams(`default:\n  subscribeLogGroupNames: [/app/stack]\n  subscribeLogGroupPrefixes: [/app/]\n`);
    const plan = await run(['--unsubscribe']);
    expect(plan.code).toBe(0);
    const rows = planRows(plan.stdout);
    expect(rows.find((r) => r.group === '/app/three')?.action).toBe('not subscribed');
    expect(rows.find((r) => r.group === '/app/stack')?.action).toBe('kept');
    expect(fake.calls.DeleteSubscriptionFilter ?? 0).toBe(0);

    const applied = await run(['--unsubscribe', '--apply']);
    expect(applied.code).toBe(0);
    expect(fake.filtersOf('/app/one')).toEqual([datadog]);
    expect(fake.filtersOf('/app/two')).toEqual([prodOurs]);
    expect(fake.filtersOf('/app/three')).toEqual([splunk]);
    expect(fake.filtersOf('/app/stack')).toEqual([OURS]);
  });
});

describe('npm run subscribe: log groups the stack subscribes (subscribeLogGroupNames)', () => {
  it('never changes them, but shows beforehand a deploy that would fail', async () => {
    fake
      .addGroup('/stack/done', { filters: [OURS] })
      .addGroup('/stack/room', { filters: [datadog] })
      .addGroup('/stack/full', { filters: [datadog, splunk] });
    withParams(`default:\n  filterPattern: '${PATTERN}'\n  subscribeLogGroupNames: [/stack/done, /stack/room, /stack/full, /stack/typo]\n`);
    const { code, stdout } = await run(['--apply']);
    expect(code).toBe(0);
    const rows = planRows(stdout);
    expect(rows.find((r) => r.group === '/stack/done')).toMatchObject({ action: 'kept', detail: 'subscribed by the stack (subscribeLogGroupNames)' });
    expect(rows.find((r) => r.group === '/stack/room')).toMatchObject({ action: 'kept', detail: 'the next deploy subscribes it (subscribeLogGroupNames)' });
    expect(rows.find((r) => r.group === '/stack/full')?.action).toBe('blocked');
    expect(rows.find((r) => r.group === '/stack/full')?.detail).toContain('the next deploy will fail on it');
    expect(rows.find((r) => r.group === '/stack/typo')).toMatchObject({ action: 'not found', detail: 'no log group with this name: the next deploy will fail (subscribeLogGroupNames)' });
    expect(fake.calls.PutSubscriptionFilter ?? 0).toBe(0);
  });
});

describe('npm run subscribe: scale and throttling', () => {
  it('pages through thousands of log groups, reporting progress on stderr', async () => {
    for (let i = 0; i < 2_345; i++) fake.addGroup(`/app/svc-${String(i).padStart(4, '0')}`);
    fake.addGroup('/other/x');
    const { code, stdout, stderr } = await run(['--prefix', '/app/', '--apply', '--concurrency', '8']);
    expect(code).toBe(0);
    // 2,345 log groups at 50 per page: 47 pages, each asked for once.
    expect(fake.calls.DescribeLogGroups).toBe(47);
    expect(stdout).toContain('2345 will subscribe');
    expect(stdout).toContain('Applied: 2345 changed');
    expect([...fake.groups.entries()].filter(([, g]) => g.filters.length === 1)).toHaveLength(2_345);
    expect(fake.filtersOf('/other/x')).toEqual([]);
    expect(stderr).toContain('inspecting log groups: 2345/2345');
    expect(stderr).toContain('subscribing: 2345/2345');
  });

  it('backs off and retries throttled calls until they succeed', async () => {
    fake.addGroup('/app/a').addGroup('/app/b');
    const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
    fake.fail('DescribeLogGroups', throttled, 2).fail('DescribeSubscriptionFilters', throttled, 3).fail('PutSubscriptionFilter', throttled, 3);
    const { code } = await run(['--prefix', '/app/', '--apply']);
    expect(code).toBe(0);
    expect(fake.calls.DescribeLogGroups).toBe(3);
    expect(fake.calls.PutSubscriptionFilter).toBe(5);
    expect(fake.filtersOf('/app/a')).toEqual([OURS]);
    expect(fake.filtersOf('/app/b')).toEqual([OURS]);
  });

  it('exits non-zero with the error and a hint when throttling outlasts the retries', async () => {
    fake.addGroup('/app/a');
    fake.fail('DescribeSubscriptionFilters', () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }), 100);
    const { code, stderr } = await run(['--prefix', '/app/']);
    expect(code).toBe(1);
    expect(stderr).toContain('ThrottlingException: Rate exceeded');
    expect(stderr).toContain('lower --concurrency');
  });
});

describe('npm run subscribe: the per-group filter limit', () => {
  it('reports a log group that filled up between plan and apply as blocked, naming the filters in the way', async () => {
    fake.addGroup('/app/race', { filters: [datadog] });
    const late = { filterName: 'late-tool', destinationArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:late`, filterPattern: '' };
    fake.beforePut = (name) => {
      if (name === '/app/race' && fake.filtersOf(name).length === 1) fake.filtersOf(name).push(late);
    };
    const { code, stdout, stderr } = await run(['--name', '/app/race', '--apply']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/blocked\s+\/app\/race\s+filter limit reached since planning: datadog → lambda:function:dd-forwarder, late-tool/);
    expect(stderr).toContain('blocked by the per-group filter limit');
    expect(fake.filtersOf('/app/race')).toEqual([datadog, late]);
  });
});

describe('npm run subscribe: errors', () => {
  it('stops at the first failed change, names the log group, explains, and exits 1', async () => {
    fake.addGroup('/app/a').addGroup('/app/b').addGroup('/app/c');
    fake.fail(
      'PutSubscriptionFilter',
      () => new InvalidParameterException({ message: 'Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.', $metadata: {} }),
      1,
    );
    const { code, stderr } = await run(['--prefix', '/app/', '--apply', '--concurrency', '1']);
    expect(code).toBe(1);
    expect(stderr).toContain('PutSubscriptionFilter failed on /app/a: InvalidParameterException');
    expect(stderr).toContain(`The forwarder ${FORWARDER} must exist`);
    expect(stderr).toContain('2 change(s) not started');
    expect(fake.calls.PutSubscriptionFilter).toBe(1);
  });

  it('exits 1 when listing is denied', async () => {
    fake.fail('DescribeLogGroups', () => new AccessDeniedException({ message: 'not authorized to perform logs:DescribeLogGroups', $metadata: {} }));
    const { code, stderr } = await run(['--prefix', '/app/']);
    expect(code).toBe(1);
    expect(stderr).toContain('AccessDeniedException: not authorized to perform logs:DescribeLogGroups');
  });

  it('exits 2 on bad usage, a bad regular expression, an empty selection or an unresolvable setting', async () => {
    expect((await run(['--frobnicate'])).code).toBe(2);
    const badRegex = await run(['--pattern', '(unclosed']);
    expect(badRegex.code).toBe(2);
    expect(badRegex.stderr).toContain('"(unclosed" is not a valid regular expression');
    const empty = await run([]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('nothing selected');
    withParams('default:\n  subscribeLogGroupPrefixes: ["${env:PREFIX}"]\n');
    const variable = await run([]);
    expect(variable.code).toBe(2);
    expect(variable.stderr).toContain('subscribeLogGroupPrefixes uses a Serverless variable');
    expect(fake.calls.DescribeLogGroups ?? 0).toBe(0);
  });
});

describe('npm run subscribe: selection', () => {
  it('selects by regular expression and tags, and reports names that do not exist', async () => {
    fake
      .addGroup('/aws/lambda/orders-api', { tags: { team: 'orders', env: 'prod' } })
      .addGroup('/aws/lambda/orders-worker', { tags: { team: 'orders' } })
      .addGroup('/aws/lambda/billing', { tags: { team: 'billing', env: 'prod' } });
    const { code, stdout } = await run(['--pattern', '^/aws/lambda/(orders|billing)', '--tag', 'env=prod', '--name', '/missing/one']);
    expect(code).toBe(0);
    const rows = planRows(stdout);
    expect(rows.filter((r) => r.action === 'will subscribe').map((r) => r.group)).toEqual(['/aws/lambda/billing', '/aws/lambda/orders-api']);
    expect(rows.find((r) => r.group === '/missing/one')?.action).toBe('not found');
    expect(stdout).toContain('1 skipped: tags do not match');
  });

  it('merges the stage section of the params file over default, and honours exclusions', async () => {
    fake.addGroup('/dev/a').addGroup('/dev/noisy-1').addGroup('/prod/a');
    withParams(`default:\n  subscribeLogGroupPrefixes: [/prod/]\ndev:\n  subscribeLogGroupPrefixes: [/dev/]\n  excludeLogGroups: ['/dev/noisy*']\n`);
    const dev = await run(['--stage', 'dev']);
    const devRows = planRows(dev.stdout);
    expect(devRows.find((r) => r.group === '/dev/a')?.action).toBe('will subscribe');
    expect(devRows.find((r) => r.group === '/dev/noisy-1')).toMatchObject({ action: 'excluded', detail: 'excluded by "/dev/noisy*"' });
    expect(devRows.find((r) => r.group === '/prod/a')).toBeUndefined();
    const prod = await run(['--stage', 'prod']);
    // Another stage: another filter name and forwarder.
    expect(planRows(prod.stdout).map((r) => r.group)).toEqual(['/prod/a']);
    expect(prod.stdout).toContain('filter "emf-fanout-prod" → arn:aws:lambda:eu-west-1:123456789012:function:emf-fanout-prod-forwarder');
  });
});

describe('npm run subscribe: --account-policy', () => {
  it('puts one subscription filter policy excluding every pipeline log group, idempotently, and removes it', async () => {
    fake.addGroup('/aws/lambda/emf-fanout-dev-forwarder').addGroup('/aws/lambda/emf-fanout-prod-forwarder').addGroup('/noisy/a').addGroup('/aws/lambda/app');
    withParams(`default:\n  filterPattern: '${PATTERN}'\n  excludeLogGroups: [/audit/trail, '/noisy/*']\n`);
    const plan = await run(['--account-policy']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('account-level subscription filter policy "emf-fanout-dev": will create');
    expect(plan.stdout).toContain('exclusion "/noisy/*" is a prefix');
    expect(fake.policies).toEqual([]);

    const applied = await run(['--account-policy', '--apply']);
    expect(applied.code).toBe(0);
    expect(fake.policies).toHaveLength(1);
    const policy = fake.policies[0]!;
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

    const again = await run(['--account-policy', '--apply']);
    expect(again.stdout).toContain('unchanged');
    expect(fake.calls.PutAccountPolicy).toBe(1);

    const removed = await run(['--account-policy', '--unsubscribe', '--apply']);
    expect(removed.code).toBe(0);
    expect(fake.policies).toEqual([]);
  });

  it('warns when the forwarder\'s invoke permission would refuse most of the account\'s log groups', async () => {
    fake.addGroup('/aws/lambda/emf-fanout-dev-forwarder');
    withParams(`default:\n  logsPermissionLogGroupPattern: '/aws/lambda/*'\n`);
    const { code, stderr } = await run(['--account-policy']);
    expect(code).toBe(0);
    expect(stderr).toContain('logsPermissionLogGroupPattern is "/aws/lambda/*"');
  });

  it('leaves another tool\'s account policy alone', async () => {
    fake.addGroup('/aws/lambda/emf-fanout-dev-forwarder');
    fake.policies.push({ policyName: 'vendor', policyDocument: '{"DestinationArn":"arn:aws:firehose:x"}', policyType: 'SUBSCRIPTION_FILTER_POLICY' });
    const removed = await run(['--account-policy', '--unsubscribe', '--apply']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('nothing to delete');
    expect(fake.policies.map((p) => p.policyName)).toEqual(['vendor']);
  });
});
