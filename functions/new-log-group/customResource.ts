/**
 * The `Custom::EmfFanoutSubscriptions` resource: subscribes, at deploy time, the existing log
 * groups that `subscribeLogGroupPrefixes`, `…Patterns` and `…Tags` select (see
 * syncSubscriptions.ts for what each request does).
 *
 * Every request gets exactly one answer on its `ResponseURL`, whatever happens:
 * - invalid properties: FAILED naming the property (a Delete answers SUCCESS: a resource whose
 *   properties never parsed created nothing, and a failed Delete would wedge the stack);
 * - an AWS error: FAILED with the log group and the call that failed, and a hint;
 * - the Lambda deadline near: FAILED, `deadlineMarginMs` before it, saying how far it got
 *   (calls still running are cut off at their next CloudWatch Logs call);
 * - otherwise SUCCESS, with counts in `Data` (`Fn::GetAtt` names below) and `Reason`.
 * The physical ID is the same in every answer, so CloudFormation never sees a replacement.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import type { LogsApi } from '../../shared/subscriptions/logsApi.ts';
import type { Logger } from '../../shared/log/logger.ts';
import { type CfnResponse, sendResponse } from './cfnResponse.ts';
import { type CallCounts, guardApi, hintFor, isAccessDenied, sleep } from './guard.ts';
import { type DeploySelection, parseSubscriptionProperties, PropertyError } from '../../shared/subscriptions/resourceProperties.ts';
import { emptyReport, type SyncReport, syncDeployTime } from './syncSubscriptions.ts';

export interface CustomResourceDeps {
  api: LogsApi;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** CloudWatch Logs calls in flight. */
  concurrency: number;
  /** Time kept back from the Lambda deadline to send the answer (with its retries). @default 30 000 */
  deadlineMarginMs?: number;
  /**
   * Waits before running a request again after AccessDenied: a role policy CloudFormation has
   * just changed can take seconds to apply. Every step is idempotent, so a rerun is safe.
   * @default [5000, 10000]
   */
  accessDeniedRetryMs?: readonly number[];
  /** Sends the answer; the real PUT by default. */
  send?: (url: string, response: CfnResponse) => Promise<void>;
}

/** True for a CloudFormation custom resource request (as opposed to an EventBridge event). */
export function isCustomResourceEvent(event: unknown): event is CloudFormationCustomResourceEvent {
  const e = event as Record<string, unknown> | null;
  return typeof e === 'object' && e !== null && typeof e.RequestType === 'string' && typeof e.ResponseURL === 'string' && typeof e.StackId === 'string';
}

/** `<stack name>-<logical ID>`: stable for the resource's life, unique in the account. */
function physicalResourceId(event: Pick<CloudFormationCustomResourceEvent, 'StackId' | 'LogicalResourceId'>): string {
  const stackName = /:stack\/([^/]+)\//.exec(event.StackId)?.[1] ?? event.StackId;
  return `${stackName}-${event.LogicalResourceId}`;
}

type Answer = Pick<CfnResponse, 'Status' | 'Reason' | 'Data'>;

export async function handleCustomResource(
  event: CloudFormationCustomResourceEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  deps: CustomResourceDeps,
): Promise<CfnResponse> {
  const { logger } = deps;
  const physicalId = event.RequestType === 'Create' ? physicalResourceId(event) : event.PhysicalResourceId || physicalResourceId(event);
  const budgetMs = Math.max(0, context.getRemainingTimeInMillis() - (deps.deadlineMarginMs ?? 30_000));
  logger.info('CloudFormation request', { requestType: event.RequestType, logicalResourceId: event.LogicalResourceId, physicalResourceId: physicalId, stackId: event.StackId, budgetMs });

  const stop = new AbortController();
  const progress: { report: SyncReport } = { report: emptyReport() };
  const calls: CallCounts = { listed: 0, changed: 0 };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Answer>((resolve) => {
    timer = setTimeout(() => {
      stop.abort();
      resolve(timedOut(event, budgetMs, calls));
    }, budgetMs);
  });
  const work = run(event, { ...deps, api: guardApi(deps.api, stop.signal, calls) }, stop.signal, progress).catch(
    (error: unknown): Answer => ({ Status: 'FAILED', Reason: failureReason(event, error, progress.report), Data: {} }),
  );
  const answer = await Promise.race([work, deadline]);
  clearTimeout(timer);
  stop.abort();

  const response: CfnResponse = {
    ...answer,
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  logger[answer.Status === 'SUCCESS' ? 'info' : 'error']('CloudFormation response', { status: answer.Status, detail: answer.Reason, data: answer.Data });
  try {
    await (deps.send ?? sendResponse)(event.ResponseURL, response);
  } catch (error) {
    // Thrown on, so Lambda runs the (idempotent) request again and, failing that, queues it.
    logger.error('the answer could not be sent to CloudFormation', { reason: 'cfn_response_failed', error });
    throw error;
  }
  return response;
}

async function run(event: CloudFormationCustomResourceEvent, deps: CustomResourceDeps, signal: AbortSignal, progress: { report: SyncReport }): Promise<Answer> {
  let current: DeploySelection;
  try {
    current = parseSubscriptionProperties(event.ResourceProperties, 'ResourceProperties');
  } catch (error) {
    if (!(error instanceof PropertyError)) throw error;
    if (event.RequestType === 'Delete') {
      deps.logger.warn('nothing removed: the properties are invalid, so no request with them changed anything', { reason: error.reason, detail: error.message });
      return { Status: 'SUCCESS', Reason: `nothing removed: ${error.message}`, Data: {} };
    }
    return { Status: 'FAILED', Reason: `invalid property: ${error.message}`, Data: {} };
  }
  let previous: DeploySelection | undefined;
  let note = '';
  if (event.RequestType === 'Update') {
    try {
      previous = parseSubscriptionProperties(event.OldResourceProperties, 'OldResourceProperties');
    } catch (error) {
      if (!(error instanceof PropertyError)) throw error;
      // Failing here would block every later deploy and its rollback; subscribing still works.
      note = `; the previous selection could not be read (${error.message}), so no filter was removed: run npm run subscribe -- --unsubscribe if needed`;
      deps.logger.warn('previous selection unreadable; nothing removed', { reason: error.reason, detail: error.message });
    }
  }
  const waits = deps.accessDeniedRetryMs ?? [5_000, 10_000];
  for (let attempt = 0; ; attempt++) {
    progress.report = emptyReport();
    let failure: unknown;
    try {
      await syncDeployTime(event.RequestType, current, previous, deps, progress.report);
      failure = progress.report.error;
    } catch (error) {
      failure = error;
    }
    if (failure === undefined) return { Status: 'SUCCESS', Reason: successReason(event, progress.report) + note, Data: data(progress.report) };
    const wait = waits[attempt];
    if (wait === undefined || signal.aborted || !isAccessDenied(failure)) throw failure;
    deps.logger.warn('access denied; the role may have just changed, running the request again', { attempt: attempt + 1, waitMs: wait, error: failure });
    await sleep(wait, signal);
  }
}

const plural = (n: number, what: string) => `${n} ${what}`;

function summary(r: SyncReport): string {
  const n = (result: string) => r.changes.filter((c) => c.result === result).length;
  const shown = r.blocked.slice(0, 5).map((b) => b.logGroup);
  const more = r.blocked.length > shown.length ? `, and ${r.blocked.length - shown.length} more` : '';
  return [
    plural(n('subscribed'), 'subscribed'),
    plural(n('updated'), 'updated'),
    plural(n('unsubscribed'), 'unsubscribed'),
    plural(r.alreadySubscribed, 'already subscribed'),
    r.blocked.length > 0
      ? `${r.blocked.length} blocked (every filter slot taken by other tools, left as is: ${shown.join(', ')}${more}; see the function's log)`
      : '0 blocked',
    plural(r.excluded, 'excluded'),
    ...(r.keptForStack > 0 ? [`${r.keptForStack} left to their stack filter (subscribeLogGroupNames)`] : []),
    `${r.scanned} log group(s) scanned`,
  ].join(', ');
}

function successReason(event: CloudFormationCustomResourceEvent, r: SyncReport): string {
  return `emf-fanout ${event.RequestType}: ${summary(r)}`;
}

/** `Fn::GetAtt` names: Subscribed, Updated, Unsubscribed, AlreadySubscribed, Blocked, Excluded, Scanned, BlockedLogGroups. */
function data(r: SyncReport): Record<string, string> {
  const n = (result: string) => String(r.changes.filter((c) => c.result === result).length);
  const names = r.blocked.map((b) => b.logGroup);
  const list = names.slice(0, 10).join(',') + (names.length > 10 ? `,+${names.length - 10} more` : '');
  return {
    Subscribed: n('subscribed'),
    Updated: n('updated'),
    Unsubscribed: n('unsubscribed'),
    AlreadySubscribed: String(r.alreadySubscribed),
    Blocked: String(r.blocked.length),
    Excluded: String(r.excluded),
    Scanned: String(r.scanned),
    BlockedLogGroups: list,
  };
}

function aftermath(event: CloudFormationCustomResourceEvent): string {
  if (event.RequestType === 'Create') return 'CloudFormation rolls back, which removes the filters this deployment added.';
  if (event.RequestType === 'Update') return 'CloudFormation rolls back to the previous selection.';
  return 'Fix the cause and delete again; filters already removed stay removed.';
}

function failureReason(event: CloudFormationCustomResourceEvent, error: unknown, r: SyncReport): string {
  const e = error as { name?: string; message?: string };
  const hint = hintFor(error);
  const done = `${r.changes.length} change(s) made before it${r.notStarted ? `, ${r.notStarted} not started` : ''}`;
  return `${e.name ?? 'Error'}: ${e.message ?? String(error)}.${hint ? ` ${hint}` : ''} ${done}. ${aftermath(event)}`;
}

function timedOut(event: CloudFormationCustomResourceEvent, budgetMs: number, calls: CallCounts): Answer {
  return {
    Status: 'FAILED',
    Reason:
      `stopped before the function's time limit (${Math.round(budgetMs / 1000)} s of work): ${calls.changed} change(s) made, ` +
      `${calls.listed} log group(s) listed. The selection is too large for one deployment (CloudWatch Logs takes a few ` +
      `subscription calls per second): narrow subscribeLogGroupPrefixes, …Patterns or …Tags, or use the account-level ` +
      `policy (npm run subscribe -- --account-policy). ${aftermath(event)}`,
    Data: { Changed: String(calls.changed), Listed: String(calls.listed) },
  };
}
