/**
 * Reads a file or standard input into log events, streaming: raw lines are forwarded while the
 * producer is still writing (`node app.js | npm start -- -`), JSON-lines input record by record;
 * only a pretty-printed JSON document (the AWS CLI's default output) is read whole.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { eventsOfJson, isIssue, looksLikeEventJson } from './jsonInput.ts';
import type { InputRecognition } from './recognise.ts';
import type { InputDefaults, InputEvent, InputFormat, InputIssue } from './types.ts';

export interface ReadInputOptions {
  format: InputFormat;
  defaults: InputDefaults;
  /** Called for every input problem (counted and reported by the caller). */
  onIssue: (issue: InputIssue) => void;
  /** Called for blank lines of raw-line input, which carry no log event. */
  onBlankLine?: () => void;
  /** Told every raw line and every log event read from JSON, to tell whether the input was in a known format. */
  recognition?: InputRecognition;
}

type Mode = 'lines' | 'json-lines' | 'document';

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/**
 * How the input is read, from its first non-blank line:
 * - it parses as JSON that names log events (`{"events":[…]}`, `{"lines":[…]}`, `{message, logGroup…}`) → JSON lines;
 * - it opens a JSON document without closing it (`{` or `[` alone, or `{"…` ending with `{` / `[`) → a whole
 *   document (`undecided` when the line is a lone bracket: the second line must look like JSON too, because a
 *   local app's `console.log` of a large object also starts with a lone `{`);
 * - anything else (an EMF line `{"_aws":…}` included) → raw log lines.
 * With an explicit JSON format the first line only decides between JSON lines and a whole document.
 */
export function detectMode(firstLine: string, format: InputFormat): Mode | 'undecided' {
  if (format === 'lines') return 'lines';
  const t = firstLine.trim();
  const parsed = tryParse(t);
  if (format !== 'auto') return parsed.ok ? 'json-lines' : 'document';
  if (parsed.ok) return looksLikeEventJson(parsed.value) ? 'json-lines' : 'lines';
  if (t === '{' || t === '[') return 'undecided';
  return /^\{"/.test(t) && /[[{]$/.test(t) ? 'document' : 'lines';
}

/** After a lone `{` or `[`: JSON continues with a quoted key, a bracket, or a closing bracket. */
const JSON_CONTINUATION = /^\s*(["{[\]}]|$)/;

/**
 * Yields the input's log events in input order.
 *
 * @example
 * for await (const e of readInput(process.stdin, { format: 'auto', defaults, onIssue })) batcher.add(e);
 */
export async function* readInput(input: Readable, opts: ReadInputOptions): AsyncGenerator<InputEvent> {
  const { defaults, onIssue } = opts;
  const jsonFormat = opts.format === 'lines' ? 'auto' : opts.format;
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let mode: Mode | 'undecided' | undefined;
  const document: string[] = [];
  let lineNo = 0;
  const recognition = opts.recognition;
  const rawEvent = (message: string): InputEvent => {
    recognition?.rawLine(message);
    return { logGroup: defaults.logGroup, logStream: defaults.logStream, timestamp: defaults.now(), message };
  };
  try {
    for await (const line of rl) {
      lineNo++;
      if (mode === undefined) {
        if (line.trim() === '') {
          opts.onBlankLine?.();
          continue;
        }
        mode = detectMode(line, opts.format);
        if (mode === 'undecided') {
          document.push(line);
          continue;
        }
      } else if (mode === 'undecided') {
        if (line.trim() === '') {
          document.push(line);
          continue;
        }
        mode = JSON_CONTINUATION.test(line) ? 'document' : 'lines';
        if (mode === 'lines') for (const held of document.splice(0)) if (held.trim() !== '') yield rawEvent(held);
      }
      if (mode === 'document') {
        document.push(line);
      } else if (mode === 'lines') {
        if (line === '') opts.onBlankLine?.();
        else yield rawEvent(line);
      } else if (line.trim() !== '') {
        const parsed = tryParse(line);
        if (!parsed.ok) {
          onIssue({ reason: 'input_json_invalid', detail: `line ${lineNo} is not JSON (${parsed.error}): ${line.slice(0, 200)}` });
          continue;
        }
        for (const item of eventsOfJson(parsed.value, jsonFormat, defaults)) {
          if (isIssue(item)) {
            onIssue({ ...item, detail: `line ${lineNo}: ${item.detail}` });
            continue;
          }
          recognition?.eventRecord();
          yield item;
        }
      }
    }
  } finally {
    rl.close();
  }
  if (mode !== 'document' && mode !== 'undecided') return;
  const parsed = tryParse(document.join('\n'));
  const events = parsed.ok && (Array.isArray(parsed.value) ? parsed.value.every(looksLikeEventJson) : looksLikeEventJson(parsed.value));
  if (opts.format === 'auto' && !events) {
    // Not a log-event document after all (e.g. an app's pretty-printed JSON): the lines were log lines.
    for (const held of document) if (held !== '') yield rawEvent(held);
    return;
  }
  if (!parsed.ok) {
    onIssue({ reason: 'input_json_invalid', detail: `the input is not a JSON document (${parsed.error})` });
    return;
  }
  for (const item of eventsOfJson(parsed.value, jsonFormat, defaults)) {
    if (isIssue(item)) {
      onIssue(item);
      continue;
    }
    recognition?.eventRecord();
    yield item;
  }
}
