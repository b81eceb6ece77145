/**
 * Applies a reviewed plan: only rows whose action changes something are touched, so applying
 * twice changes nothing the second time. A filter slot taken between planning and applying
 * (LimitExceededException) becomes a `blocked` row naming the filters in the way; a log group
 * deleted meanwhile is reported as vanished. Any other error stops the run (no new call
 * starts) and is returned with the log group it happened on.
 */
import { EmfFanoutError } from '../errors.ts';
import { CHANGING_ACTIONS, describeFilter, type TargetFilter } from './decide.ts';
import type { LogsApi } from './logsApi.ts';
import type { Plan, PlanEntry } from './plan.ts';
import { mapPool } from './pool.ts';
import { type Progress, silentProgress } from './progress.ts';

type Outcome = 'done' | 'blocked' | 'vanished';

interface ApplyResult {
  entry: PlanEntry;
  outcome: Outcome;
  detail: string;
}

/** A change failed; carries the log group so the message says where. */
export class ApplyError extends EmfFanoutError {
  override readonly name = 'ApplyError';
  constructor(
    readonly logGroupName: string,
    readonly action: string,
    cause: unknown,
  ) {
    const c = cause as { name?: string; message?: string };
    super(`${action} failed on ${logGroupName}: ${c.name ?? 'Error'}: ${c.message ?? String(cause)}`, 'apply_failed', { cause });
  }
}

export interface ApplyReport {
  results: ApplyResult[];
  /** Rows that were to change but did not start because an earlier change failed. */
  notStarted: number;
  error?: ApplyError;
}

export async function applyPlan(api: LogsApi, plan: Plan, opts: { concurrency: number; progress?: Progress }): Promise<ApplyReport> {
  const progress = opts.progress ?? silentProgress;
  const work = plan.entries.filter((e) => CHANGING_ACTIONS.includes(e.action));
  const results: ApplyResult[] = [];
  if (work.length === 0) return { results, notStarted: 0 };
  if (plan.mode === 'subscribe' && plan.target === undefined) throw new Error('a subscribe plan with changes must have a target filter');
  progress.start(plan.mode === 'subscribe' ? 'subscribing' : 'unsubscribing', work.length);
  let started = 0;
  try {
    await mapPool(work, opts.concurrency, async (entry) => {
      started++;
      try {
        results.push(await applyOne(api, entry, plan.filterName, plan.target as TargetFilter));
      } catch (error) {
        throw new ApplyError(entry.logGroupName, entry.action === 'unsubscribe' ? 'DeleteSubscriptionFilter' : 'PutSubscriptionFilter', error);
      } finally {
        progress.tick();
      }
    });
  } catch (error) {
    progress.done();
    if (error instanceof ApplyError) return { results, notStarted: work.length - started, error };
    throw error;
  }
  progress.done();
  return { results, notStarted: 0 };
}

async function applyOne(api: LogsApi, entry: PlanEntry, filterName: string, target: TargetFilter): Promise<ApplyResult> {
  try {
    if (entry.action === 'unsubscribe') {
      await api.deleteFilter(entry.logGroupName, filterName);
      return { entry, outcome: 'done', detail: 'unsubscribed' };
    }
    await api.putFilter(entry.logGroupName, target);
    return { entry, outcome: 'done', detail: entry.action === 'update' ? 'updated' : 'subscribed' };
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'ResourceNotFoundException') {
      // Deleting a filter that is already gone, or a log group deleted since planning: the goal holds.
      return { entry, outcome: 'vanished', detail: entry.action === 'unsubscribe' ? 'filter or log group already gone' : 'log group no longer exists' };
    }
    if (name === 'LimitExceededException' && entry.action !== 'unsubscribe') {
      const existing = await api.describeFilters(entry.logGroupName);
      return { entry, outcome: 'blocked', detail: `filter limit reached since planning: ${existing.map(describeFilter).join(', ') || 'no filter listed'}` };
    }
    throw error;
  }
}
