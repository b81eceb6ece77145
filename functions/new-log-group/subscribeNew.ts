/**
 * Subscribes a log group when it is created. Triggered by EventBridge on CloudTrail's
 * `CreateLogGroup` (requires CloudTrail management events in the Region); applies the same
 * selection and the same per-group decisions as `npm run subscribe`.
 *
 * Outcomes are logged, one line per event, with a stable `reason`. An event that cannot be
 * read is logged and not retried (a retry would read it the same way); a failed AWS call is
 * thrown, so Lambda retries the event and finally sends it to the on-failure queue.
 */
import { decideSubscribe } from '../../shared/subscriptions/decide.ts';
import type { LogsApi } from '../../shared/subscriptions/logsApi.ts';
import { judgeName, missingTag, needsTags } from '../../shared/subscriptions/selection.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { NewLogGroupConfig } from './config.ts';

export const OUTCOMES = {
  subscribed: 'subscribed',
  updated: 'updated',
  alreadySubscribed: 'already_subscribed',
  blocked: 'blocked_by_filter_limit',
  notSelected: 'not_selected',
  excluded: 'excluded',
  pipeline: 'pipeline_log_group',
  tagsMismatch: 'tags_mismatch',
  callFailed: 'create_log_group_failed',
  vanished: 'log_group_vanished',
  invalid: 'event_invalid',
} as const;
export type Outcome = (typeof OUTCOMES)[keyof typeof OUTCOMES];

/** The parts of an EventBridge "AWS API Call via CloudTrail" event that matter here. */
export interface CreateLogGroupEvent {
  account?: string;
  region?: string;
  detail?: {
    eventSource?: string;
    eventName?: string;
    errorCode?: string;
    requestParameters?: { logGroupName?: unknown; tags?: unknown } | null;
  };
}

export interface Deps {
  api: LogsApi;
  config: NewLogGroupConfig;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
}

export async function handleCreateLogGroup(event: CreateLogGroupEvent, deps: Deps): Promise<Outcome> {
  const { api, config, logger } = deps;
  const detail = event?.detail;
  const name = detail?.requestParameters?.logGroupName;
  if (detail?.eventName !== 'CreateLogGroup' || typeof name !== 'string' || name === '') {
    logger.error('not a CreateLogGroup event with a log group name; ignored', {
      reason: OUTCOMES.invalid,
      eventName: detail?.eventName,
      eventSource: detail?.eventSource,
    });
    return OUTCOMES.invalid;
  }
  const log = (outcome: Outcome, fields: Record<string, unknown> = {}, level: 'info' | 'warn' = 'info') => {
    logger[level]('new log group', { reason: outcome, logGroup: name, ...fields });
    return outcome;
  };
  if (detail.errorCode) return log(OUTCOMES.callFailed, { errorCode: detail.errorCode });

  const verdict = judgeName(config.rules, name);
  if (verdict.kind === 'not-matched') return log(OUTCOMES.notSelected);
  if (verdict.kind === 'pipeline') return log(OUTCOMES.pipeline, { detail: verdict.detail });
  if (verdict.kind === 'excluded') return log(OUTCOMES.excluded, { detail: verdict.detail });

  try {
    if (needsTags(config.rules)) {
      const fromEvent = detail.requestParameters?.tags;
      const tags =
        typeof fromEvent === 'object' && fromEvent !== null && !Array.isArray(fromEvent)
          ? (fromEvent as Record<string, string>)
          : await api.listTags(logGroupArn(config.target.destinationArn, event, name));
      const miss = missingTag(config.rules, tags);
      if (miss !== undefined) return log(OUTCOMES.tagsMismatch, { detail: miss });
    }
    const existing = await api.describeFilters(name);
    const decision = decideSubscribe(config.target, existing, config.maxFilters);
    if (decision.action === 'subscribed') return log(OUTCOMES.alreadySubscribed, { detail: decision.detail });
    if (decision.action === 'blocked') return log(OUTCOMES.blocked, { detail: decision.detail, blockingFilters: decision.blockingFilters }, 'warn');
    try {
      await api.putFilter(name, config.target);
    } catch (error) {
      if ((error as { name?: string }).name !== 'LimitExceededException') throw error;
      const now = await api.describeFilters(name);
      return log(OUTCOMES.blocked, { detail: 'filter limit reached meanwhile', blockingFilters: now.map((f) => f.filterName) }, 'warn');
    }
    return log(decision.action === 'update' ? OUTCOMES.updated : OUTCOMES.subscribed, { filterName: config.target.filterName });
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return log(OUTCOMES.vanished);
    throw error;
  }
}

/** The log group's ARN in the event's account and Region, in the forwarder's partition. */
function logGroupArn(destinationArn: string, event: CreateLogGroupEvent, name: string): string {
  const [, partition, , region, account] = destinationArn.split(':');
  return `arn:${partition}:logs:${event.region ?? region}:${event.account ?? account}:log-group:${name}`;
}
