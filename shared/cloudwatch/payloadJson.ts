/**
 * `JSON.parse` of a subscription payload's decompressed bytes, without the payload as one string.
 *
 * A payload of thousands of log events is megabytes of JSON. As one string, V8 puts it in its large-object
 * space, which takes fresh pages from the operating system for each such string and gives them back when it
 * dies: measured on the bench corpus, about 2,000 page faults and 5 ms of system time per 20,000 events, a
 * third of the cost of decoding the payload. Read in pieces of about PIECE_BYTES, the strings are ordinary
 * young objects in memory V8 already has.
 *
 * CloudWatch Logs writes the payload as `{…,"logEvents":[{"id":…},{"id":…},…]}`. The pieces are
 * - the head, everything before `,"logEvents":[`, parsed with a `}` put after it;
 * - runs of events, cut where one event ends and the next begins (`},{"`), each parsed as an array: the
 *   comma at a cut is overwritten with `]` to close one run and then with `[` to open the next, and put back.
 *
 * The answer is always `JSON.parse` of the whole text. If the head parses as an object with at least one member
 * and every run as an array of at least one element, the whole text is the head's members and then
 * `"logEvents":[<the runs' elements>]`, which is valid JSON with that value (a `logEvents` member already in the
 * head keeps its place and takes the array, as `JSON.parse` does with a repeated name). A cut anywhere else
 * than between two events of that array leaves a run that does not parse: inside a string it leaves the string
 * unterminated, at another depth a bracket unclosed. Then, and for any text not laid out like this, the whole
 * text is parsed as one string, so that errors and results are `JSON.parse`'s own. The bytes are cut only at
 * ASCII characters, which never fall inside a UTF-8 sequence, so each piece decodes as it would in the whole.
 */

/** The length of the runs of events read as one string; under V8's large-object size (128 KiB). */
export const PIECE_BYTES = 64 * 1024;

const LOG_EVENTS = Buffer.from(',"logEvents":[', 'latin1');
const EVENT_BOUNDARY = Buffer.from('},{"', 'latin1');
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d; // }

/**
 * `JSON.parse(json.toString('utf8'))`, read in pieces when it is laid out as a subscription payload. Leaves `json` as it was.
 * kept: saves 35 % of forwarder (npm run bench, Node 22)
 */
export function parsePayloadJson(json: Buffer, pieceBytes = PIECE_BYTES): unknown {
  if (json.length > pieceBytes) {
    const parsed = parseInPieces(json, pieceBytes);
    if (parsed !== undefined) return parsed;
  }
  return JSON.parse(json.toString('utf8'));
}

function parseInPieces(json: Buffer, pieceBytes: number): Record<string, unknown> | undefined {
  const n = json.length;
  const at = json.indexOf(LOG_EVENTS);
  if (at < 0 || json[n - 2] !== CLOSE || json[n - 1] !== CLOSE_BRACE) return undefined;
  const head = tryParse(json.toString('utf8', 0, at) + '}');
  if (typeof head !== 'object' || head === null || Array.isArray(head) || Object.keys(head).length === 0) return undefined;

  const events: unknown[] = [];
  const end = n - 2; // the array's `]`
  let open = at + LOG_EVENTS.length - 1; // the array's `[`, then each cut's comma
  while (open < end) {
    let close = end;
    if (end - open > pieceBytes) {
      const boundary = json.indexOf(EVENT_BOUNDARY, open + pieceBytes);
      if (boundary >= 0 && boundary < end) close = boundary + 1;
    }
    const first = json[open]!;
    json[open] = OPEN;
    json[close] = CLOSE;
    let run: unknown;
    try {
      run = tryParse(json.toString('utf8', open, close + 1));
    } finally {
      json[open] = first;
      if (close !== end) json[close] = COMMA;
    }
    // (A run is never empty but as the whole array, `"logEvents":[]`: a cut comes after a `}` and before a `{`.)
    if (!Array.isArray(run)) return undefined;
    for (let i = 0; i < run.length; i++) events.push(run[i]);
    open = close;
  }
  (head as Record<string, unknown>).logEvents = events;
  return head as Record<string, unknown>;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
