/**
 * Deploy-time subscriptions: what the custom resource does on Create, Update and Delete,
 * built from the subscription tool's own `buildPlan` and `applyPlan` (infra/subscribe/), so
 * the stack, `npm run subscribe` and the new-log-group function select, exclude and decide
 * alike: same filter name and pattern, the pipeline's own log groups never selected, another
 * tool's filter never replaced, `subscribeLogGroupNames` left to their stack resources.
 *
 * - Create: subscribe what the selection picks.
 * - Update: subscribe what the new selection picks, then remove emf-fanout's filter (only
 *   ours, by name) from log groups the previous selection picked and the new one does not.
 *   A rollback is an Update with the two selections swapped, so it undoes the same way.
 * - Delete: remove emf-fanout's filter from the log groups the selection picks.
 *
 * Log groups whose filter slots are all taken by other tools are counted and logged as
 * blocked, and do not fail the deployment: the other tool owns them, and failing would roll
 * back every other subscription for one busy log group.
 */
import { type ApplyError, type ApplyReport, applyPlan } from '../../shared/subscriptions/apply.ts';
import type { LogsApi } from '../../shared/subscriptions/logsApi.ts';
import { buildPlan, type Plan } from '../../shared/subscriptions/plan.ts';
import { isEmptySelection } from '../../shared/subscriptions/selection.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { DeploySelection } from '../../shared/subscriptions/resourceProperties.ts';
import { OUTCOMES } from './subscribeNew.ts';

/** Log `reason`s, shared with the CreateLogGroup path where they mean the same. */
const SYNC_OUTCOMES = {
  subscribed: OUTCOMES.subscribed,
  updated: OUTCOMES.updated,
  unsubscribed: 'unsubscribed',
  blocked: OUTCOMES.blocked,
  vanished: OUTCOMES.vanished,
} as const;

export type RequestType = 'Create' | 'Update' | 'Delete';

export interface SyncReport {
  /** Changes made, in the order they finished. */
  changes: { logGroup: string; result: 'subscribed' | 'updated' | 'unsubscribed' }[];
  alreadySubscribed: number;
  /** Log groups left alone because other tools' filters take every slot. */
  blocked: { logGroup: string; detail: string }[];
  /** Picked by a prefix or pattern but held back (the pipeline's own, or `excludeLogGroups`). */
  excluded: number;
  /** Picked, but their filter belongs to the stack (`subscribeLogGroupNames`). */
  keptForStack: number;
  /** Deleted while being planned or changed (nothing left to do). */
  vanished: number;
  scanned: number;
  skippedByTags: number;
  /** The change that failed, naming its log group; no change started after it. */
  error?: ApplyError;
  notStarted: number;
}

export interface SyncDeps {
  api: LogsApi;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** CloudWatch Logs calls in flight. */
  concurrency: number;
}

export function emptyReport(): SyncReport {
  return { changes: [], alreadySubscribed: 0, blocked: [], excluded: 0, keptForStack: 0, vanished: 0, scanned: 0, skippedByTags: 0, notStarted: 0 };
}

/**
 * Runs one CloudFormation request. `previous` is the Update's `OldResourceProperties`.
 * `report` is filled as the work goes, so a caller that stops waiting can still say how far it got.
 */
export async function syncDeployTime(
  request: RequestType,
  current: DeploySelection,
  previous: DeploySelection | undefined,
  deps: SyncDeps,
  report: SyncReport = emptyReport(),
): Promise<SyncReport> {
  if (request === 'Delete') {
    await removePhase(current, new Set(), new Set(current.stackManaged), deps, report, true);
    return report;
  }
  const stillSelected = await subscribePhase(current, deps, report);
  if (report.error || request === 'Create' || previous === undefined || sameSelection(current, previous)) return report;
  // A different filter name (not possible within one stack, but cheap to honour) leaves nothing of the old one in place.
  const keep = previous.target.filterName === current.target.filterName ? stillSelected : new Set<string>();
  // Its plan rows are not counted: the subscribe phase has counted what the current selection sees.
  await removePhase(previous, keep, new Set([...current.stackManaged, ...previous.stackManaged]), deps, report, false);
  return report;
}

/** Same log groups picked, same filter name: removing would find nothing, so the second listing is skipped. */
function sameSelection(a: DeploySelection, b: DeploySelection): boolean {
  const key = (s: DeploySelection) =>
    JSON.stringify([s.target.filterName, s.rules.prefixes, s.rules.patterns.map(String), Object.entries(s.rules.tags).sort(), s.rules.exclude, s.rules.pipelinePrefix]);
  return key(a) === key(b);
}

function planOptions(sel: DeploySelection, deps: SyncDeps, stackManaged: ReadonlySet<string>) {
  return {
    rules: sel.rules,
    names: sel.names,
    filterPattern: sel.target.filterPattern,
    destinationArn: sel.target.destinationArn,
    maxFilters: sel.maxFilters,
    concurrency: deps.concurrency,
    stackManaged: [...stackManaged],
  };
}

/** Subscribes what `sel` picks; returns the log groups it still picks (ours stays on them). */
async function subscribePhase(sel: DeploySelection, deps: SyncDeps, report: SyncReport): Promise<Set<string>> {
  if (isEmptySelection(sel.rules)) return new Set();
  const plan = await buildPlan(deps.api, { mode: 'subscribe', ...planOptions(sel, deps, new Set(sel.stackManaged)) });
  record(plan, deps, report);
  merge(await applyPlan(deps.api, plan, { concurrency: deps.concurrency }), deps, report);
  const picked = new Set(['subscribe', 'update', 'subscribed', 'blocked', 'keep']);
  return new Set(plan.entries.filter((e) => picked.has(e.action)).map((e) => e.logGroupName));
}

/** Removes our filter from what `sel` picks, except from `keep` and the stack's own log groups. */
async function removePhase(
  sel: DeploySelection,
  keep: ReadonlySet<string>,
  stackManaged: ReadonlySet<string>,
  deps: SyncDeps,
  report: SyncReport,
  countRows: boolean,
): Promise<void> {
  if (isEmptySelection(sel.rules)) return;
  const plan = await buildPlan(deps.api, { mode: 'unsubscribe', ...planOptions(sel, deps, stackManaged) });
  const entries = plan.entries.filter((e) => !(e.action === 'unsubscribe' && keep.has(e.logGroupName)));
  const scoped: Plan = { ...plan, entries };
  if (countRows) record(scoped, deps, report);
  merge(await applyPlan(deps.api, scoped, { concurrency: deps.concurrency }), deps, report);
}

function record(plan: Plan, deps: SyncDeps, report: SyncReport): void {
  report.scanned += plan.scanned;
  report.skippedByTags += plan.skippedByTags;
  report.vanished += plan.vanished;
  for (const e of plan.entries) {
    if (e.action === 'subscribed') report.alreadySubscribed++;
    else if (e.action === 'keep') report.keptForStack++;
    else if (e.action === 'excluded') {
      report.excluded++;
      deps.logger.debug('log group held back', { logGroup: e.logGroupName, detail: e.detail });
    } else if (e.action === 'blocked') {
      report.blocked.push({ logGroup: e.logGroupName, detail: e.detail });
      deps.logger.warn('log group not subscribed', { reason: SYNC_OUTCOMES.blocked, logGroup: e.logGroupName, detail: e.detail, blockingFilters: e.blockingFilters });
    }
  }
}

function merge(applied: ApplyReport, deps: SyncDeps, report: SyncReport): void {
  for (const r of applied.results) {
    const logGroup = r.entry.logGroupName;
    if (r.outcome === 'blocked') {
      report.blocked.push({ logGroup, detail: r.detail });
      deps.logger.warn('log group not subscribed', { reason: SYNC_OUTCOMES.blocked, logGroup, detail: r.detail });
    } else if (r.outcome === 'vanished') {
      report.vanished++;
      deps.logger.info('log group changed meanwhile', { reason: SYNC_OUTCOMES.vanished, logGroup, detail: r.detail });
    } else {
      const result = r.entry.action === 'unsubscribe' ? 'unsubscribed' : r.entry.action === 'update' ? 'updated' : 'subscribed';
      report.changes.push({ logGroup, result });
      deps.logger.info('deploy-time subscription', { reason: SYNC_OUTCOMES[result], logGroup });
    }
  }
  if (applied.error) {
    report.error = applied.error;
    report.notStarted += applied.notStarted;
  }
}
