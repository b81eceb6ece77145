/**
 * JSON inputs of `npm start`: the output of `aws logs filter-log-events` / `get-log-events`
 * (`{"events":[{logStreamName?, timestamp, message, eventId?, ingestionTime}], …}`,
 * https://docs.aws.amazon.com/cli/latest/reference/logs/filter-log-events.html) and event records
 * `{logGroup, logStream, timestamp, message}` (alone, or in a `{"lines":[…]}` document).
 * A value that is neither is counted as an input issue, never fatal.
 */
import type { InputDefaults, InputEvent, InputFormat, InputIssue } from './types.ts';

type JsonFormat = Extract<InputFormat, 'filter-log-events' | 'events' | 'auto'>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clip = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
};

/** One filter-log-events event → an input event (the log group is not in the CLI output: it comes from `defaults`). */
function fromFilterEvent(e: unknown, defaults: InputDefaults): InputEvent | InputIssue {
  if (!isObject(e) || typeof e.message !== 'string' || typeof e.timestamp !== 'number' || !Number.isFinite(e.timestamp)) {
    return { reason: 'input_record_invalid', detail: `a filter-log-events event needs a string "message" and a numeric "timestamp": ${clip(e)}` };
  }
  return {
    logGroup: defaults.logGroup,
    logStream: typeof e.logStreamName === 'string' && e.logStreamName !== '' ? e.logStreamName : defaults.logStream,
    timestamp: Math.trunc(e.timestamp),
    message: e.message,
    ...(typeof e.eventId === 'string' && e.eventId !== '' && { id: e.eventId }),
  };
}

/** One event record → an input event; missing group, stream or timestamp come from `defaults`. */
function fromRecord(e: Record<string, unknown>, defaults: InputDefaults): InputEvent | InputIssue {
  const ts = e.timestamp;
  if (typeof e.message !== 'string' || (ts !== undefined && (typeof ts !== 'number' || !Number.isFinite(ts)))) {
    return { reason: 'input_record_invalid', detail: `an event record needs a string "message" and, if present, a numeric "timestamp": ${clip(e)}` };
  }
  return {
    logGroup: typeof e.logGroup === 'string' && e.logGroup !== '' ? e.logGroup : defaults.logGroup,
    logStream: typeof e.logStream === 'string' && e.logStream !== '' ? e.logStream : defaults.logStream,
    timestamp: typeof ts === 'number' ? Math.trunc(ts) : defaults.now(),
    message: e.message,
    ...(typeof e.id === 'string' && e.id !== '' && { id: e.id }),
  };
}

/**
 * Expands one parsed JSON value into input events or issues: a filter-log-events page, a
 * `{"lines":[…]}` document, a single event record, or an array of any of these.
 */
export function* eventsOfJson(value: unknown, format: JsonFormat, defaults: InputDefaults): Generator<InputEvent | InputIssue> {
  if (Array.isArray(value)) {
    for (const v of value) yield* eventsOfJson(v, format, defaults);
    return;
  }
  if (isObject(value) && Array.isArray(value.events) && format !== 'events') {
    for (const e of value.events) yield fromFilterEvent(e, defaults);
    return;
  }
  if (isObject(value) && Array.isArray(value.lines) && format !== 'filter-log-events') {
    for (const e of value.lines) yield isObject(e) ? fromRecord(e, defaults) : { reason: 'input_record_invalid', detail: `"lines" holds a non-object: ${clip(e)}` };
    return;
  }
  if (isObject(value) && typeof value.message === 'string' && format !== 'filter-log-events') {
    yield fromRecord(value, defaults);
    return;
  }
  const expected = format === 'filter-log-events' ? 'a filter-log-events page {"events":[…]}' : format === 'events' ? 'an event record {logGroup, logStream, timestamp, message} or {"lines":[…]}' : 'a filter-log-events page or an event record';
  yield { reason: 'input_record_invalid', detail: `expected ${expected}, got ${clip(value)}` };
}

/** True when `v` is a value `eventsOfJson` reads as log events (used to recognise JSON-lines input). */
export function looksLikeEventJson(v: unknown): boolean {
  return isObject(v) && (Array.isArray(v.events) || Array.isArray(v.lines) || (typeof v.message === 'string' && ('logGroup' in v || 'logStream' in v || 'timestamp' in v)));
}

export const isIssue = (v: InputEvent | InputIssue): v is InputIssue => 'reason' in v;
