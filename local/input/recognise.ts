/**
 * Whether `npm start`'s input is in a format it knows. Raw log lines are accepted whatever they hold
 * (an app's standard output mixes EMF with ordinary lines), so without this check a file of another
 * kind — binary, JSON of no supported shape, text without a single EMF document — would be read as
 * plain lines and end in "nothing lost" having done nothing.
 *
 * The rule: the input is known as soon as one of these is read —
 * - a log event from JSON input (a filter-log-events page, an event record, a `{"lines":[…]}` document);
 * - a line holding an EMF document, valid or not (the forwarder reports an invalid one by reason);
 * - a Lambda log line: a platform line (`START`/`END`/`REPORT RequestId: …`, `INIT_START …`,
 *   `… Task timed out after …`), a runtime's text line (`<ISO time>\t<request id>\t…`, Python's
 *   `[LEVEL]\t<ISO time>\t…`), or a line of Lambda's JSON log format (`{"time":…,"type":"platform.…"}`,
 *   `{"timestamp":…,"level":…,"requestId":…}`).
 * An input with none of these (an empty one included) is reported, and `npm start` exits 2.
 * Once known, a line costs one property test.
 */
import { detectEmf } from '../../shared/emf/detect.ts';
import { parsePlatformLine } from '../../shared/platform/platformLine.ts';

/** Platform lines and a Lambda runtime's text prefix (the one `shared/emf/detect.ts` knows, without its level). */
const LAMBDA_TEXT_LINE = /^(?:(?:START|END|REPORT) RequestId: |(?:INIT|RESTORE)_(?:START|REPORT) |(?:\[[A-Za-z]+\]\t)?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\t[^\t]*\t)/;
const LAMBDA_LEVELS = new Set(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);
/** Control characters no text log holds (tab, line breaks and ESC for colours excepted) and U+FFFD, what invalid UTF-8 decodes to. */
const NOT_TEXT = /[\u0000-\u0008\u000e-\u001a\u001c-\u001f\ufffd]/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A line of Lambda's JSON log format: a platform record or an application line with its request id. */
function isLambdaJsonLine(line: string): boolean {
  if (!line.startsWith('{') || !(line.includes('"platform.') || line.includes('"requestId"'))) return false;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return false;
  }
  if (!isObject(v)) return false;
  if (typeof v.type === 'string' && v.type.startsWith('platform.') && 'time' in v) return true;
  return typeof v.requestId === 'string' && typeof v.timestamp === 'string' && typeof v.level === 'string' && LAMBDA_LEVELS.has(v.level);
}

/** What a raw line shows the input to be, or undefined for a plain line. */
export function knownLine(line: string): string | undefined {
  if (detectEmf(line).kind !== 'plain') return 'an EMF document';
  if (parsePlatformLine(line) !== undefined || LAMBDA_TEXT_LINE.test(line) || isLambdaJsonLine(line)) return 'a Lambda log line';
  return undefined;
}

/** Filled by `readInput` while it reads; asked by `npm start` at the end of the run. */
export class InputRecognition {
  /** What first showed the input to be in a known format; undefined while nothing has. */
  known: string | undefined;
  /** Raw lines read while the input was not known. */
  plainLines = 0;
  /** A line read while the input was not known held bytes no text holds. */
  binary = false;

  /** A raw line (blank lines are not log events and are not counted). */
  rawLine(line: string): void {
    if (this.known !== undefined) return;
    this.known = knownLine(line);
    if (this.known !== undefined) return;
    this.plainLines++;
    if (!this.binary && NOT_TEXT.test(line)) this.binary = true;
  }

  /** A log event read from JSON input. */
  eventRecord(): void {
    this.known ??= 'log event records';
  }

  /**
   * Undefined when the input was in a known format; otherwise the sentence that says why it was not.
   * `issues`: the input problems counted while reading (JSON that holds no log event), by reason.
   */
  problem(issues: Readonly<Record<string, number>>): string | undefined {
    if (this.known !== undefined) return undefined;
    const n = this.plainLines;
    if (n > 0) {
      return `INPUT matched no known format: none of its ${n} line${n === 1 ? '' : 's'} is an EMF document, a Lambda log line or a log event record` +
        `${this.binary ? '; it looks binary (compressed?)' : ''}; read as plain lines, it gave nothing to forward`;
    }
    const bad = Object.entries(issues).filter(([, v]) => v > 0);
    const count = bad.reduce((a, [, v]) => a + v, 0);
    if (count > 0) return `INPUT holds no log event: ${count} part${count === 1 ? '' : 's'} of it ${count === 1 ? 'is not a log event' : 'are not log events'} (${bad.map(([k]) => k).join(', ')})`;
    return 'INPUT holds no log event (it is empty)';
  }
}
