/**
 * What to do with one log group, given the subscription filters it already has. Pure, so the
 * tool's plan, its apply step and the new-log-group function share one set of rules:
 *
 * - our filter (same name) with the same destination and pattern → nothing to do;
 * - our filter with another pattern or destination → update it in place (same name, so it
 *   takes no extra slot and nothing is ever deleted and re-created);
 * - another filter already delivering to our forwarder → nothing to do (a second filter would
 *   deliver every event twice);
 * - no free slot → blocked, naming the filters in the way (never replaced: they belong to
 *   another tool);
 * - otherwise → subscribe.
 */

/** The parts of a subscription filter the decisions look at. */
export interface ExistingFilter {
  filterName: string;
  destinationArn?: string | undefined;
  filterPattern?: string | undefined;
}

/** Our filter, as it should be on every selected log group. */
export interface TargetFilter {
  filterName: string;
  destinationArn: string;
  filterPattern: string;
}

export const ACTIONS = {
  subscribe: 'will subscribe',
  update: 'will update',
  subscribed: 'already subscribed',
  blocked: 'blocked',
  excluded: 'excluded',
  unsubscribe: 'will unsubscribe',
  notSubscribed: 'not subscribed',
  keep: 'kept',
  missing: 'not found',
} as const;
export type Action = keyof typeof ACTIONS;

/** Actions that change something when applied. */
export const CHANGING_ACTIONS: readonly Action[] = ['subscribe', 'update', 'unsubscribe'];

export interface Decision {
  action: Action;
  /** Human-readable reason, shown in the plan table. */
  detail: string;
  /** For `blocked`: the filters occupying the slots. */
  blockingFilters?: string[];
}

/** Describes a filter for the plan: `name → destination`. */
export function describeFilter(f: ExistingFilter): string {
  return f.destinationArn ? `${f.filterName} → ${shortArn(f.destinationArn)}` : f.filterName;
}

function shortArn(arn: string): string {
  const parts = arn.split(':');
  // arn:aws:lambda:region:acct:function:name → lambda:function:name
  return parts.length >= 6 ? `${parts[2]}:${parts.slice(5).join(':')}` : arn;
}

export function decideSubscribe(target: TargetFilter, existing: readonly ExistingFilter[], maxFilters: number): Decision {
  const ours = existing.find((f) => f.filterName === target.filterName);
  if (ours) {
    const samePattern = (ours.filterPattern ?? '') === target.filterPattern;
    const sameDestination = ours.destinationArn === target.destinationArn;
    if (samePattern && sameDestination) return { action: 'subscribed', detail: `filter ${target.filterName}` };
    const what = [samePattern ? undefined : 'filter pattern', sameDestination ? undefined : 'destination'].filter(Boolean).join(' and ');
    return { action: 'update', detail: `filter ${target.filterName}: ${what} differ${what.includes(' and ') ? '' : 's'}` };
  }
  const delivering = existing.find((f) => f.destinationArn === target.destinationArn);
  if (delivering) {
    return { action: 'subscribed', detail: `by another filter, ${delivering.filterName} (left as is)` };
  }
  if (existing.length >= maxFilters) {
    return {
      action: 'blocked',
      detail: `${existing.length} of ${maxFilters} filters used: ${existing.map(describeFilter).join(', ')}`,
      blockingFilters: existing.map((f) => f.filterName),
    };
  }
  return { action: 'subscribe', detail: existing.length === 0 ? 'no filter yet' : `${existing.length} other filter(s) kept` };
}

export function decideUnsubscribe(filterName: string, existing: readonly ExistingFilter[]): Decision {
  return existing.some((f) => f.filterName === filterName)
    ? { action: 'unsubscribe', detail: `delete filter ${filterName}` }
    : { action: 'notSubscribed', detail: `no filter named ${filterName}` };
}
