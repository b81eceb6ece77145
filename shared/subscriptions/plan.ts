/**
 * Builds the plan: one row per log group the rules pick (or hold back), with what applying
 * would do. Planning only reads (DescribeLogGroups, ListTagsForResource,
 * DescribeSubscriptionFilters); nothing changes until `apply`.
 */
import { type Action, type Decision, decideSubscribe, decideUnsubscribe, type ExistingFilter, type TargetFilter } from './decide.ts';
import type { LogGroupRef, LogsApi } from './logsApi.ts';
import { forwarderArnFromLogGroupArn, type PipelineNames } from './naming.ts';
import { mapPool } from './pool.ts';
import { type Progress, silentProgress } from './progress.ts';
import { judgeName, missingTag, needsTags, type SelectionRules } from './selection.ts';

type Mode = 'subscribe' | 'unsubscribe';

export interface PlanOptions {
  mode: Mode;
  rules: SelectionRules;
  names: PipelineNames;
  filterPattern: string;
  /** The forwarder's ARN; derived from the first log group's ARN when absent. */
  destinationArn?: string;
  /** Subscription filters allowed per log group (2 per the CloudWatch Logs API reference). */
  maxFilters: number;
  concurrency: number;
  /**
   * Log groups whose filter belongs to the CloudFormation stack (`subscribeLogGroupNames`).
   * The tool never touches them: the stack creates, updates and removes those filters.
   */
  stackManaged?: readonly string[];
  progress?: Progress;
}

export interface PlanEntry extends Decision {
  logGroupName: string;
  logGroupArn: string;
}

export interface Plan {
  mode: Mode;
  /** Our filter's name (what `unsubscribe` deletes). */
  filterName: string;
  /** Undefined only when no log group was found (nothing to deliver anywhere). */
  target: TargetFilter | undefined;
  entries: PlanEntry[];
  /** Log groups listed from CloudWatch Logs. */
  scanned: number;
  /** Log groups the name rules picked but whose tags did not match. */
  skippedByTags: number;
  /** Log groups that vanished between listing and inspection. */
  vanished: number;
}

/** Which listings cover the rules: one per prefix or name when possible, one full listing otherwise. */
export function listingPrefixes(rules: SelectionRules): (string | undefined)[] {
  const needsFullScan = rules.all || rules.patterns.length > 0 || rules.names.length + rules.prefixes.length === 0;
  if (needsFullScan) return [undefined];
  // A name is listed by prefix too (DescribeLogGroups has no exact-name filter); judgeName keeps exact matches.
  const prefixes = [...rules.prefixes, ...rules.names];
  // Drop prefixes covered by a shorter one, so no log group is listed twice.
  return prefixes.filter((p, i) => !prefixes.some((q, j) => j !== i && p.startsWith(q) && (q.length < p.length || j < i)));
}

export async function buildPlan(api: LogsApi, opts: PlanOptions): Promise<Plan> {
  const progress = opts.progress ?? silentProgress;
  const stackManaged = new Set(opts.stackManaged ?? []);
  const entries: PlanEntry[] = [];
  const toInspect: LogGroupRef[] = [];
  const seen = new Set<string>();
  let scanned = 0;

  for (const prefix of listingPrefixes(opts.rules)) {
    for await (const group of api.listLogGroups(prefix)) {
      if (seen.has(group.name)) continue;
      seen.add(group.name);
      scanned++;
      progress.count('listing log groups', scanned);
      const verdict = judgeName(opts.rules, group.name);
      if (verdict.kind === 'not-matched') continue;
      if (verdict.kind === 'pipeline' || verdict.kind === 'excluded') {
        entries.push({ logGroupName: group.name, logGroupArn: group.arn, action: 'excluded', detail: verdict.detail });
        continue;
      }
      toInspect.push(group);
    }
  }
  progress.done();
  for (const name of opts.rules.names) {
    if (seen.has(name)) continue;
    const detail = stackManaged.has(name) && opts.mode === 'subscribe' ? `no log group with this name: the next deploy will fail (${STACK_SETTING})` : 'no log group with this name';
    entries.push({ logGroupName: name, logGroupArn: '', action: 'missing', detail });
  }

  const firstArn = toInspect[0]?.arn ?? entries.find((e) => e.logGroupArn !== '')?.logGroupArn;
  const destinationArn = opts.destinationArn ?? (firstArn ? forwarderArnFromLogGroupArn(firstArn, opts.names.forwarderFunctionName) : undefined);
  const target: TargetFilter | undefined = destinationArn
    ? { filterName: opts.names.filterName, destinationArn, filterPattern: opts.filterPattern }
    : undefined;

  let skippedByTags = 0;
  let vanished = 0;
  progress.start('inspecting log groups', toInspect.length);
  const inspected = await mapPool(toInspect, opts.concurrency, async (group): Promise<PlanEntry | undefined> => {
    try {
      if (needsTags(opts.rules)) {
        const miss = missingTag(opts.rules, await api.listTags(group.arn));
        if (miss !== undefined) {
          skippedByTags++;
          return undefined;
        }
      }
      const existing = await api.describeFilters(group.name);
      if (stackManaged.has(group.name)) return { logGroupName: group.name, logGroupArn: group.arn, ...stackManagedDecision(opts, target, existing) };
      const decision =
        opts.mode === 'subscribe' ? decideSubscribe(target as TargetFilter, existing, opts.maxFilters) : decideUnsubscribe(opts.names.filterName, existing);
      return { logGroupName: group.name, logGroupArn: group.arn, ...decision };
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') {
        vanished++;
        return undefined;
      }
      throw error;
    } finally {
      progress.tick();
    }
  });
  progress.done();
  for (const e of inspected) if (e) entries.push(e);
  entries.sort((a, b) => ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action) || a.logGroupName.localeCompare(b.logGroupName));
  return { mode: opts.mode, filterName: opts.names.filterName, target, entries, scanned, skippedByTags, vanished };
}

const STACK_SETTING = 'subscribeLogGroupNames';

/**
 * Log groups listed in `subscribeLogGroupNames` get their filter from the CloudFormation stack;
 * the tool never changes them, but checks them, so a plan run before `sls deploy` shows a
 * deploy that would fail (a full log group).
 */
function stackManagedDecision(opts: PlanOptions, target: TargetFilter | undefined, existing: ExistingFilter[]): Decision {
  if (opts.mode === 'unsubscribe') return { action: 'keep', detail: `filter managed by the stack (${STACK_SETTING}): sls remove deletes it` };
  const d = decideSubscribe(target as TargetFilter, existing, opts.maxFilters);
  if (d.action === 'blocked') return { ...d, detail: `${d.detail}; the next deploy will fail on it (${STACK_SETTING})` };
  const detail = d.action === 'subscribed' ? `subscribed by the stack (${STACK_SETTING})` : `the next deploy subscribes it (${STACK_SETTING})`;
  return { action: 'keep', detail };
}

/** Plan rows are grouped: changes first, then what stays, then what is held back. */
export const ACTION_ORDER: readonly Action[] = ['subscribe', 'update', 'unsubscribe', 'subscribed', 'notSubscribed', 'keep', 'blocked', 'excluded', 'missing'];

/** Counts per action. */
export function summarise(plan: Plan): Partial<Record<Action, number>> {
  const out: Partial<Record<Action, number>> = {};
  for (const e of plan.entries) out[e.action] = (out[e.action] ?? 0) + 1;
  return out;
}
