/**
 * The log events `npm start` feeds the forwarder, whatever the input was (bundled sample, raw
 * lines, `aws logs filter-log-events` output, or event records), before they are cut into
 * CloudWatch-sized subscription payloads.
 */

/** One log event with the log group and stream it belongs to. */
export interface InputEvent {
  logGroup: string;
  logStream: string;
  /** ms since the epoch. */
  timestamp: number;
  /** The log event message exactly as CloudWatch Logs would deliver it. */
  message: string;
  /** CloudWatch Logs event id when the input had one (filter-log-events `eventId`); generated otherwise. */
  id?: string;
}

/**
 * Input formats:
 * - `lines`: one log event per line (e.g. `node app.js | npm start -- -`), stamped with the time it was read;
 * - `filter-log-events`: the JSON output of `aws logs filter-log-events` (or `get-log-events`),
 *   whole or one page per line;
 * - `events`: JSON objects `{logGroup, logStream, timestamp, message}`, one per line, or a document
 *   `{"lines":[…]}` (the bundled sample and `npm run fixtures`' `.fixtures/lines.json`);
 * - `auto`: decided from the first line (see `detectFormat`).
 */
export const INPUT_FORMATS = ['auto', 'lines', 'filter-log-events', 'events'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** Where events without a log group or stream of their own are filed. */
export interface InputDefaults {
  logGroup: string;
  logStream: string;
  /** Clock for events that carry no timestamp (raw lines). */
  now: () => number;
}

/** A problem in the input that is counted and reported, never fatal for the run. */
export interface InputIssue {
  reason: 'input_json_invalid' | 'input_record_invalid';
  detail: string;
}
