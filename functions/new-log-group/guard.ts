/**
 * What the custom resource puts around the subscription tool's CloudWatch Logs calls:
 * a stop switch for the Lambda deadline, counters for the answer, and hints for the errors
 * deployments actually meet.
 */
import type { LogsApi } from '../../shared/subscriptions/logsApi.ts';
import { EmfFanoutError } from '../../shared/errors.ts';

/** Raised by every CloudWatch Logs call made after the deadline: the run ends at its next call. */
class DeadlineError extends EmfFanoutError {
  override readonly name = 'DeadlineError';
  constructor() {
    super('stopped: the Lambda deadline is near', 'deadline');
  }
}

/** What went through the guard, for an answer sent before the work has finished. */
export interface CallCounts {
  /** Log groups listed. */
  listed: number;
  /** Filters put or deleted successfully. */
  changed: number;
}

/**
 * `api` with a stop switch: once `signal` is aborted, every call throws {@link DeadlineError}
 * instead of reaching CloudWatch Logs, so no change starts after the answer has been sent.
 */
export function guardApi(api: LogsApi, signal: AbortSignal, counts: CallCounts = { listed: 0, changed: 0 }): LogsApi {
  const check = () => {
    if (signal.aborted) throw new DeadlineError();
  };
  return {
    async *listLogGroups(prefix, onPage) {
      check();
      for await (const group of api.listLogGroups(prefix, onPage)) {
        check();
        counts.listed++;
        yield group;
      }
    },
    async describeFilters(name) {
      check();
      return api.describeFilters(name);
    },
    async listTags(arn) {
      check();
      return api.listTags(arn);
    },
    async putFilter(name, target) {
      check();
      await api.putFilter(name, target);
      counts.changed++;
    },
    async deleteFilter(name, filterName) {
      check();
      await api.deleteFilter(name, filterName);
      counts.changed++;
    },
  };
}

/** The AWS error behind `error` (an `ApplyError` carries it as its cause). */
function awsError(error: unknown): { name?: string; message?: string } {
  const e = error as { name?: string; message?: string; cause?: { name?: string; message?: string } };
  return e?.name === 'ApplyError' && e.cause ? e.cause : (e ?? {});
}

export function isAccessDenied(error: unknown): boolean {
  const name = awsError(error).name;
  return name === 'AccessDeniedException' || name === 'AccessDenied';
}

/** A next step for the errors a deployment meets, or undefined. */
export function hintFor(error: unknown): string | undefined {
  const { name, message = '' } = awsError(error);
  if (name === 'InvalidParameterException' && /lambda|execute/i.test(message)) {
    return 'CloudWatch Logs could not invoke the forwarder: logsPermissionLogGroupPattern must cover every log group the selection picks.';
  }
  if (isAccessDenied(error)) return "The new-log-group function's role lacks a CloudWatch Logs permission for this log group.";
  if (name === 'ThrottlingException' || name === 'ServiceUnavailableException') return 'Still throttled after retries: CloudWatch Logs is busy (other tools, or a large selection); deploy again later.';
  return undefined;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
