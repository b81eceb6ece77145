import { describe, expect, it } from 'vitest';
import { decideSubscribe, decideUnsubscribe } from '../../../shared/subscriptions/decide.ts';
import { listingPrefixes } from '../../../shared/subscriptions/plan.ts';
import { buildSelectionRules, isEmptySelection, judgeName, missingTag } from '../../../shared/subscriptions/selection.ts';

const PIPELINE = '/aws/lambda/emf-fanout-';

describe('selection rules', () => {
  const rules = buildSelectionRules({
    names: ['/ecs/payments'],
    prefixes: ['/aws/lambda/'],
    patterns: ['^/custom/.*-api$'],
    exclude: ['/aws/lambda/noisy*', '/aws/lambda/debug'],
    pipelinePrefix: PIPELINE,
  });

  it('matches exact names, prefixes and regular expressions, and nothing else', () => {
    expect(judgeName(rules, '/ecs/payments').kind).toBe('matched');
    expect(judgeName(rules, '/ecs/payments-2').kind).toBe('not-matched');
    expect(judgeName(rules, '/aws/lambda/orders').kind).toBe('matched');
    expect(judgeName(rules, '/custom/orders-api').kind).toBe('matched');
    expect(judgeName(rules, '/custom/orders-api-v2').kind).toBe('not-matched');
    expect(judgeName(rules, '/aws/rds/x').kind).toBe('not-matched');
  });

  it('never selects the pipeline (any stage), even when a prefix covers it', () => {
    expect(judgeName(rules, '/aws/lambda/emf-fanout-dev-forwarder')).toMatchObject({ kind: 'pipeline' });
    expect(judgeName(rules, '/aws/lambda/emf-fanout-prod-prometheus')).toMatchObject({ kind: 'pipeline' });
    const all = buildSelectionRules({ all: true, pipelinePrefix: PIPELINE });
    expect(judgeName(all, '/aws/lambda/emf-fanout-dev-new-log-group').kind).toBe('pipeline');
  });

  it('excludes exact names and prefixes written with a trailing *', () => {
    expect(judgeName(rules, '/aws/lambda/noisy-worker')).toEqual({ kind: 'excluded', detail: 'excluded by "/aws/lambda/noisy*"' });
    expect(judgeName(rules, '/aws/lambda/debug').kind).toBe('excluded');
    expect(judgeName(rules, '/aws/lambda/debugger').kind).toBe('matched');
  });

  it('requires every tag; "*" or a bare key accepts any value', () => {
    const tagged = buildSelectionRules({ tags: ['team=orders', 'env'], pipelinePrefix: PIPELINE });
    expect(judgeName(tagged, '/anything').kind).toBe('matched');
    expect(missingTag(tagged, { team: 'orders', env: 'dev' })).toBeUndefined();
    expect(missingTag(tagged, { team: 'billing', env: 'dev' })).toBe('tag team=billing (wanted orders)');
    expect(missingTag(tagged, { team: 'orders' })).toBe('tag env is missing');
    // Only the log group's own tags count: a rule on a name every object inherits is not met by inheritance.
    expect(missingTag(buildSelectionRules({ tags: ['toString'], pipelinePrefix: PIPELINE }), {})).toBe('tag toString is missing');
  });

  it('rejects a bad regular expression, naming it', () => {
    expect(() => buildSelectionRules({ patterns: ['[a-'], pipelinePrefix: PIPELINE })).toThrow(/patterns: "\[a-" is not a valid regular expression/);
  });

  it('knows an empty selection', () => {
    expect(isEmptySelection(buildSelectionRules({ exclude: ['/x'], pipelinePrefix: PIPELINE }))).toBe(true);
    expect(isEmptySelection(buildSelectionRules({ tags: { team: '*' }, pipelinePrefix: PIPELINE }))).toBe(false);
  });

  it('lists by prefix when it can, without listing a log group twice', () => {
    const r = buildSelectionRules({ names: ['/aws/lambda/a', '/ecs/x'], prefixes: ['/aws/lambda/', '/aws/lambda/'], pipelinePrefix: PIPELINE });
    expect(listingPrefixes(r)).toEqual(['/aws/lambda/', '/ecs/x']);
    expect(listingPrefixes(buildSelectionRules({ prefixes: ['/a/'], patterns: ['x'], pipelinePrefix: PIPELINE }))).toEqual([undefined]);
  });
});

describe('per-log-group decisions', () => {
  const target = { filterName: 'emf-fanout-dev', destinationArn: 'arn:aws:lambda:eu-west-1:123456789012:function:emf-fanout-dev-forwarder', filterPattern: '?"_aws"' };
  const other = (n: string) => ({ filterName: n, destinationArn: `arn:aws:lambda:eu-west-1:123456789012:function:${n}`, filterPattern: '' });

  it('subscribes when a slot is free, whatever else is there', () => {
    expect(decideSubscribe(target, [], 2).action).toBe('subscribe');
    expect(decideSubscribe(target, [other('a')], 2).action).toBe('subscribe');
  });

  it('is blocked when all slots are taken, naming the filters', () => {
    const d = decideSubscribe(target, [other('a'), other('b')], 2);
    expect(d.action).toBe('blocked');
    expect(d.blockingFilters).toEqual(['a', 'b']);
  });

  it('updates our filter in place (same name) when its pattern or destination changed, even on a full log group', () => {
    expect(decideSubscribe(target, [other('a'), { ...target, filterPattern: '' }], 2).action).toBe('update');
    expect(decideSubscribe(target, [{ ...target, destinationArn: 'arn:aws:lambda:eu-west-1:123456789012:function:old' }], 2).action).toBe('update');
    expect(decideSubscribe(target, [other('a'), target], 2).action).toBe('subscribed');
  });

  it('does not add a second filter when another one already delivers to the forwarder', () => {
    expect(decideSubscribe(target, [{ ...other('manual'), destinationArn: target.destinationArn }], 2).action).toBe('subscribed');
  });

  it('unsubscribes only a filter with our name', () => {
    expect(decideUnsubscribe('emf-fanout-dev', [other('a'), target]).action).toBe('unsubscribe');
    expect(decideUnsubscribe('emf-fanout-dev', [other('a'), { ...target, filterName: 'emf-fanout-prod' }]).action).toBe('notSubscribed');
  });
});
