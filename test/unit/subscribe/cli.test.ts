/** `npm run subscribe` (infra/subscribe/cli.ts): the plan, applying it, unsubscribing, and which log groups it selects. */
import { beforeEach, describe, expect, it } from 'vitest';
import { FORWARDER, PATTERN, OURS, datadog, splunk, planRows, subscribeCli } from './cliHarness.ts';

const cli = subscribeCli();

describe('npm run subscribe: plan, apply, idempotency', () => {
  beforeEach(() => {
    cli.fake
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
    const { code, stdout } = await cli.run(['--prefix', '/aws/lambda/']);
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
    expect(cli.fake.calls.PutSubscriptionFilter ?? 0).toBe(0);
    expect(cli.fake.filtersOf('/aws/lambda/shop-a')).toEqual([]);
  });

  it('applies the plan, keeps other filters, and a second apply changes nothing', async () => {
    const first = await cli.run(['--prefix', '/aws/lambda/', '--apply']);
    expect(first.code).toBe(0);
    expect(cli.fake.filtersOf('/aws/lambda/shop-a')).toEqual([OURS]);
    expect(cli.fake.filtersOf('/aws/lambda/shop-d')).toEqual([datadog, OURS]);
    expect(cli.fake.filtersOf('/aws/lambda/shop-e')).toEqual([OURS]);
    expect(cli.fake.filtersOf('/aws/lambda/shop-c')).toEqual([datadog, splunk]);
    expect(cli.fake.filtersOf('/aws/lambda/emf-fanout-dev-forwarder')).toEqual([]);
    expect(cli.fake.filtersOf('/aws/lambda/emf-fanout-prod-statsd')).toEqual([]);
    expect(first.stdout).toContain('Applied: 3 changed, 0 blocked');
    expect(first.stderr).toContain('1 log group(s) blocked by the per-group filter limit');

    const puts = cli.fake.calls.PutSubscriptionFilter;
    const second = await cli.run(['--prefix', '/aws/lambda/', '--apply']);
    expect(second.code).toBe(0);
    expect(cli.fake.calls.PutSubscriptionFilter).toBe(puts);
    expect(planRows(second.stdout).filter((r) => r.action.startsWith('will'))).toEqual([]);
    expect(second.stdout).toContain('Applied: 0 changed');
  });

  it('treats a filter of another tool that already delivers to the forwarder as subscribed, and leaves it alone', async () => {
    cli.fake.addGroup('/aws/lambda/shop-f', { filters: [{ filterName: 'hand-made', destinationArn: FORWARDER, filterPattern: '' }] });
    const { code, stdout } = await cli.run(['--name', '/aws/lambda/shop-f', '--apply']);
    expect(code).toBe(0);
    expect(planRows(stdout)[0]).toMatchObject({ action: 'already subscribed', group: '/aws/lambda/shop-f' });
    expect(cli.fake.filtersOf('/aws/lambda/shop-f').map((f) => f.filterName)).toEqual(['hand-made']);
  });
});

describe('npm run subscribe: --unsubscribe', () => {
  it('removes only emf-fanout-dev filters; other tools, other stages and stack-managed filters stay', async () => {
    const prodOurs = { ...OURS, filterName: 'emf-fanout-prod' };
    cli.fake
      .addGroup('/app/one', { filters: [datadog, OURS] })
      .addGroup('/app/two', { filters: [prodOurs, OURS] })
      .addGroup('/app/three', { filters: [splunk] })
      .addGroup('/app/stack', { filters: [OURS] });
    cli.withParams(`default:\n  subscribeLogGroupNames: [/app/stack]\n  subscribeLogGroupPrefixes: [/app/]\n`);
    const plan = await cli.run(['--unsubscribe']);
    expect(plan.code).toBe(0);
    const rows = planRows(plan.stdout);
    expect(rows.find((r) => r.group === '/app/three')?.action).toBe('not subscribed');
    expect(rows.find((r) => r.group === '/app/stack')?.action).toBe('kept');
    expect(cli.fake.calls.DeleteSubscriptionFilter ?? 0).toBe(0);

    const applied = await cli.run(['--unsubscribe', '--apply']);
    expect(applied.code).toBe(0);
    expect(cli.fake.filtersOf('/app/one')).toEqual([datadog]);
    expect(cli.fake.filtersOf('/app/two')).toEqual([prodOurs]);
    expect(cli.fake.filtersOf('/app/three')).toEqual([splunk]);
    expect(cli.fake.filtersOf('/app/stack')).toEqual([OURS]);
  });
});

describe('npm run subscribe: log groups the stack subscribes (subscribeLogGroupNames)', () => {
  it('never changes them, but shows beforehand a deploy that would fail', async () => {
    cli.fake
      .addGroup('/stack/done', { filters: [OURS] })
      .addGroup('/stack/room', { filters: [datadog] })
      .addGroup('/stack/full', { filters: [datadog, splunk] });
    cli.withParams(`default:\n  filterPattern: '${PATTERN}'\n  subscribeLogGroupNames: [/stack/done, /stack/room, /stack/full, /stack/typo]\n`);
    const { code, stdout } = await cli.run(['--apply']);
    expect(code).toBe(0);
    const rows = planRows(stdout);
    expect(rows.find((r) => r.group === '/stack/done')).toMatchObject({ action: 'kept', detail: 'subscribed by the stack (subscribeLogGroupNames)' });
    expect(rows.find((r) => r.group === '/stack/room')).toMatchObject({ action: 'kept', detail: 'the next deploy subscribes it (subscribeLogGroupNames)' });
    expect(rows.find((r) => r.group === '/stack/full')?.action).toBe('blocked');
    expect(rows.find((r) => r.group === '/stack/full')?.detail).toContain('the next deploy will fail on it');
    expect(rows.find((r) => r.group === '/stack/typo')).toMatchObject({ action: 'not found', detail: 'no log group with this name: the next deploy will fail (subscribeLogGroupNames)' });
    expect(cli.fake.calls.PutSubscriptionFilter ?? 0).toBe(0);
  });
});

describe('npm run subscribe: selection', () => {
  it('selects by regular expression and tags, and reports names that do not exist', async () => {
    cli.fake
      .addGroup('/aws/lambda/orders-api', { tags: { team: 'orders', env: 'prod' } })
      .addGroup('/aws/lambda/orders-worker', { tags: { team: 'orders' } })
      .addGroup('/aws/lambda/billing', { tags: { team: 'billing', env: 'prod' } });
    const { code, stdout } = await cli.run(['--pattern', '^/aws/lambda/(orders|billing)', '--tag', 'env=prod', '--name', '/missing/one']);
    expect(code).toBe(0);
    const rows = planRows(stdout);
    expect(rows.filter((r) => r.action === 'will subscribe').map((r) => r.group)).toEqual(['/aws/lambda/billing', '/aws/lambda/orders-api']);
    expect(rows.find((r) => r.group === '/missing/one')?.action).toBe('not found');
    expect(stdout).toContain('1 skipped: tags do not match');
  });

  it('merges the stage section of the params file over default, and honours exclusions', async () => {
    cli.fake.addGroup('/dev/a').addGroup('/dev/noisy-1').addGroup('/prod/a');
    cli.withParams(`default:\n  subscribeLogGroupPrefixes: [/prod/]\ndev:\n  subscribeLogGroupPrefixes: [/dev/]\n  excludeLogGroups: ['/dev/noisy*']\n`);
    const dev = await cli.run(['--stage', 'dev']);
    const devRows = planRows(dev.stdout);
    expect(devRows.find((r) => r.group === '/dev/a')?.action).toBe('will subscribe');
    expect(devRows.find((r) => r.group === '/dev/noisy-1')).toMatchObject({ action: 'excluded', detail: 'excluded by "/dev/noisy*"' });
    expect(devRows.find((r) => r.group === '/prod/a')).toBeUndefined();
    const prod = await cli.run(['--stage', 'prod']);
    // Another stage: another filter name and forwarder.
    expect(planRows(prod.stdout).map((r) => r.group)).toEqual(['/prod/a']);
    expect(prod.stdout).toContain('filter "emf-fanout-prod" → arn:aws:lambda:eu-west-1:123456789012:function:emf-fanout-prod-forwarder');
  });
});
