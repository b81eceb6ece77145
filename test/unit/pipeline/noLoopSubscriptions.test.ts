/**
 * No loop on the subscription side: whatever the selection rules say, the subscription planning never
 * picks the log group of the forwarder or of any consumer (where the pipeline metrics are printed), and
 * the account-level policy's exact exclusions name the forwarder and the built-in consumers.
 */
import { describe, expect, it } from 'vitest';
import { discoverConsumers } from '../../../infra/serverless/registry.ts';
import type { ExistingFilter } from '../../../shared/subscriptions/decide.ts';
import type { LogGroupRef, LogsApi } from '../../../shared/subscriptions/logsApi.ts';
import { pipelineNames } from '../../../shared/subscriptions/naming.ts';
import { buildPlan } from '../../../shared/subscriptions/plan.ts';
import { buildSelectionRules, judgeName, type SelectionInput } from '../../../shared/subscriptions/selection.ts';

const names = pipelineNames('emf-fanout', 'dev');
const arn = (name: string) => `arn:aws:logs:eu-west-1:123456789012:log-group:${name}:*`;

/** CloudWatch Logs as DescribeLogGroups lists it (prefix listing), with no filters anywhere. */
function fakeLogs(groups: readonly string[]): LogsApi {
  return {
    async *listLogGroups(prefix) {
      for (const name of groups) if (prefix === undefined || name.startsWith(prefix)) yield { name, arn: arn(name) } satisfies LogGroupRef;
    },
    describeFilters: (): Promise<ExistingFilter[]> => Promise.resolve([]),
    listTags: () => Promise.resolve({}),
    putFilter: () => Promise.reject(new Error('planning must not change anything')),
    deleteFilter: () => Promise.reject(new Error('planning must not change anything')),
  };
}

async function pipelineLogGroups(): Promise<string[]> {
  const consumers = (await discoverConsumers()).map((c) => c.functionKey);
  expect(consumers).toEqual(expect.arrayContaining(['prometheus', 'statsd', 'example-http']));
  return [`/aws/lambda/${names.forwarderFunctionName}`, ...consumers.map((c) => `/aws/lambda/emf-fanout-dev-${c}`)];
}

describe('subscription planning and the pipeline\'s own log groups', () => {
  const selections: [string, Omit<SelectionInput, 'pipelinePrefix'>][] = [
    ['all', { all: true }],
    ['a prefix that covers them', { prefixes: ['/aws/lambda/'] }],
    ['a pattern that matches them', { patterns: ['emf-fanout'] }],
    ['their exact names', {}],
  ];

  it.each(selections)('never subscribes the forwarder\'s or a consumer\'s log group, selected by %s', async (_label, input) => {
    const own = await pipelineLogGroups();
    const groups = [...own, '/aws/lambda/orders', '/aws/lambda/emf-fanout-prod-statsd'];
    const rules = buildSelectionRules({ ...input, ...(Object.keys(input).length === 0 && { names: own }), pipelinePrefix: names.pipelineLogGroupPrefix });
    for (const g of own) expect(judgeName(rules, g).kind, g).toBe('pipeline');
    const plan = await buildPlan(fakeLogs(groups), { mode: 'subscribe', rules, names, filterPattern: '{ $._aws.Timestamp = * }', maxFilters: 2, concurrency: 2 });
    const subscribed = plan.entries.filter((e) => e.action === 'subscribe').map((e) => e.logGroupName);
    expect(subscribed).not.toContain('/aws/lambda/emf-fanout-prod-statsd');
    for (const g of own) {
      expect(subscribed).not.toContain(g);
      expect(plan.entries.find((e) => e.logGroupName === g)?.action).toBe('excluded');
    }
    // The selection still works for everything else.
    if (input.all || input.prefixes) expect(subscribed).toEqual(['/aws/lambda/orders']);
  });

  it('the account-level policy\'s exact exclusions name the forwarder and the built-in consumers', () => {
    // A consumer added later (npm run new-provider) is excluded by the policy once its log group exists (the tool
    // lists the pipeline prefix), and by the forwarder's loop guard in any case (test/unit/forwarder/pipelineMetrics.test.ts).
    for (const fn of ['forwarder', 'prometheus', 'statsd', 'example-http']) expect(names.pipelineLogGroups).toContain(`/aws/lambda/emf-fanout-dev-${fn}`);
  });
});
