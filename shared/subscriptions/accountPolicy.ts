/**
 * Account-level mode: one `SUBSCRIPTION_FILTER_POLICY` (PutAccountPolicy) sends matching
 * events of every log group in the Region, existing and future, to the forwarder. No filter
 * slot is used on any log group and no per-group call is made.
 *
 * Loop prevention: the policy's selection criteria only support `LogGroupName NOT IN [...]`
 * (exact names, no prefixes), so the policy lists by name every log group of this stage's
 * functions (enabled or not, so enabling one later is safe) plus every existing log group
 * under `/aws/lambda/<service>-` (other stages). Exclusions configured as prefixes are
 * expanded to the log groups that exist now; log groups created later under such a prefix
 * are not excluded by the policy (the forwarder still drops them, see EXCLUDE_LOG_GROUPS),
 * and the plan says so.
 */
import {
  type CloudWatchLogsClient,
  DeleteAccountPolicyCommand,
  DescribeAccountPoliciesCommand,
  PutAccountPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { LogsApi } from './logsApi.ts';
import { forwarderArnFromLogGroupArn, type PipelineNames } from './naming.ts';
import { type BackoffOptions, DEFAULT_BACKOFF, withBackoff } from './retry.ts';

/** The selection criteria may be at most 25 KB (UTF-8), per the PutAccountPolicy API reference. */
const MAX_SELECTION_CRITERIA_BYTES = 25 * 1024;
const POLICY_TYPE = 'SUBSCRIPTION_FILTER_POLICY';

interface PolicyState {
  policyName: string;
  policyDocument: string;
  selectionCriteria: string;
}

export interface AccountPolicyPlan {
  mode: 'subscribe' | 'unsubscribe';
  policyName: string;
  action: 'create' | 'update' | 'unchanged' | 'delete' | 'absent';
  desired?: PolicyState;
  current?: PolicyState;
  /** Other subscription filter policies in the account (never touched). */
  others: PolicyState[];
  excludedLogGroups: string[];
  warnings: string[];
}

export interface AccountPolicyOptions {
  mode: 'subscribe' | 'unsubscribe';
  names: PipelineNames;
  filterPattern: string;
  /** User exclusions: exact names or prefixes ending in `*`. */
  exclude: readonly string[];
  destinationArn?: string;
}

/** `LogGroupName NOT IN ["a","b"]`, names JSON-quoted. */
function selectionCriteria(excluded: readonly string[]): string {
  return `LogGroupName NOT IN ${JSON.stringify(excluded)}`;
}

function policyDocument(destinationArn: string, filterPattern: string): string {
  // Distribution applies to Kinesis destinations only; the forwarder is a Lambda function.
  return JSON.stringify({ DestinationArn: destinationArn, FilterPattern: filterPattern });
}

async function describePolicies(client: CloudWatchLogsClient, backoff: BackoffOptions): Promise<PolicyState[]> {
  const out: PolicyState[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await withBackoff(() => client.send(new DescribeAccountPoliciesCommand({ policyType: POLICY_TYPE, ...(token ? { nextToken: token } : {}) })), backoff);
    for (const p of page.accountPolicies ?? []) {
      out.push({ policyName: p.policyName ?? '', policyDocument: p.policyDocument ?? '', selectionCriteria: p.selectionCriteria ?? '' });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** Same policy? Documents are compared as JSON values, so key order and spacing do not matter. */
function samePolicy(a: PolicyState, b: PolicyState): boolean {
  const parse = (s: string) => {
    try {
      return JSON.stringify(JSON.parse(s));
    } catch {
      return s;
    }
  };
  return parse(a.policyDocument) === parse(b.policyDocument) && a.selectionCriteria.trim() === b.selectionCriteria.trim();
}

export async function planAccountPolicy(
  client: CloudWatchLogsClient,
  api: LogsApi,
  opts: AccountPolicyOptions,
  backoff: BackoffOptions = DEFAULT_BACKOFF,
): Promise<AccountPolicyPlan> {
  const policies = await describePolicies(client, backoff);
  const current = policies.find((p) => p.policyName === opts.names.accountPolicyName);
  const others = policies.filter((p) => p.policyName !== opts.names.accountPolicyName);
  const warnings: string[] = [];

  if (opts.mode === 'unsubscribe') {
    return { mode: 'unsubscribe', policyName: opts.names.accountPolicyName, action: current ? 'delete' : 'absent', ...(current ? { current } : {}), others, excludedLogGroups: [], warnings };
  }

  const excluded = new Set<string>(opts.names.pipelineLogGroups);
  let anyArn: string | undefined;
  for await (const g of api.listLogGroups(opts.names.pipelineLogGroupPrefix)) {
    excluded.add(g.name);
    anyArn ??= g.arn;
  }
  for (const entry of opts.exclude) {
    if (!entry.endsWith('*')) {
      excluded.add(entry);
      continue;
    }
    let n = 0;
    for await (const g of api.listLogGroups(entry.slice(0, -1))) {
      excluded.add(g.name);
      anyArn ??= g.arn;
      n++;
    }
    warnings.push(
      `exclusion "${entry}" is a prefix: the policy excludes the ${n} log group(s) that exist now; ` +
        'log groups created later under it are delivered, and dropped by the forwarder (EXCLUDE_LOG_GROUPS). Re-run to refresh.',
    );
  }
  const excludedLogGroups = [...excluded].sort();
  const criteria = selectionCriteria(excludedLogGroups);
  const bytes = Buffer.byteLength(criteria, 'utf8');
  if (bytes > MAX_SELECTION_CRITERIA_BYTES) {
    throw new Error(
      `the selection criteria would be ${bytes} bytes, over the ${MAX_SELECTION_CRITERIA_BYTES}-byte limit of PutAccountPolicy ` +
        `(${excludedLogGroups.length} excluded log groups); exclude fewer log groups, or subscribe per log group instead`,
    );
  }
  const destinationArn = opts.destinationArn ?? (anyArn ? forwarderArnFromLogGroupArn(anyArn, opts.names.forwarderFunctionName) : undefined);
  if (destinationArn === undefined) {
    throw new Error(
      `cannot tell the forwarder's ARN: no log group exists under ${opts.names.pipelineLogGroupPrefix} (is the stack deployed?); pass --destination-arn`,
    );
  }
  const desired: PolicyState = {
    policyName: opts.names.accountPolicyName,
    policyDocument: policyDocument(destinationArn, opts.filterPattern),
    selectionCriteria: criteria,
  };
  for (const o of others) warnings.push(`another subscription filter policy exists and is left as is: ${o.policyName} (${o.policyDocument})`);
  const action = current === undefined ? 'create' : samePolicy(current, desired) ? 'unchanged' : 'update';
  return { mode: 'subscribe', policyName: opts.names.accountPolicyName, action, desired, ...(current ? { current } : {}), others, excludedLogGroups, warnings };
}

export async function applyAccountPolicy(client: CloudWatchLogsClient, plan: AccountPolicyPlan, backoff: BackoffOptions = DEFAULT_BACKOFF): Promise<void> {
  if ((plan.action === 'create' || plan.action === 'update') && plan.desired) {
    const d = plan.desired;
    await withBackoff(
      () =>
        client.send(
          new PutAccountPolicyCommand({
            policyName: d.policyName,
            policyType: POLICY_TYPE,
            policyDocument: d.policyDocument,
            selectionCriteria: d.selectionCriteria,
            scope: 'ALL',
          }),
        ),
      backoff,
    );
  } else if (plan.action === 'delete' && plan.current) {
    const name = plan.current.policyName;
    await withBackoff(() => client.send(new DeleteAccountPolicyCommand({ policyName: name, policyType: POLICY_TYPE })), backoff);
  }
}

export function renderAccountPolicyPlan(plan: AccountPolicyPlan): string {
  const lines: string[] = [];
  const verb = { create: 'will create', update: 'will update', unchanged: 'unchanged', delete: 'will delete', absent: 'nothing to delete' }[plan.action];
  lines.push(`Plan: account-level subscription filter policy "${plan.policyName}": ${verb}`);
  if (plan.desired) {
    lines.push(`Policy document: ${plan.desired.policyDocument}`);
    lines.push(`Excluded log groups (${plan.excludedLogGroups.length}), so the pipeline never receives its own logs:`);
    for (const g of plan.excludedLogGroups) lines.push(`  ${g}`);
  }
  if (plan.action === 'update' && plan.current) lines.push(`Current policy document: ${plan.current.policyDocument}`);
  for (const w of plan.warnings) lines.push(`Warning: ${w}`);
  return lines.join('\n');
}
