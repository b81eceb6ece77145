/** Reading `npm start` input: raw lines, filter-log-events JSON (whole or per line), event records, and the auto-detection between them. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { detectMode, readInput } from '../../../local/input/readInput.ts';
import type { InputEvent, InputFormat, InputIssue } from '../../../local/input/types.ts';

const defaults = { logGroup: '/aws/lambda/default', logStream: 'default-stream', now: () => 1_700_000_000_000 };

async function read(text: string | string[], format: InputFormat = 'auto') {
  const issues: InputIssue[] = [];
  let blank = 0;
  const events: InputEvent[] = [];
  const input = Readable.from(Array.isArray(text) ? text : [text]);
  for await (const e of readInput(input, { format, defaults, onIssue: (i) => issues.push(i), onBlankLine: () => blank++ })) events.push(e);
  return { events, issues, blank };
}

/** What `aws logs filter-log-events --log-group-name … --output json` prints (the CLI merges pages). */
const FILTER_OUTPUT = `{
    "events": [
        {
            "logStreamName": "2025/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
            "timestamp": 1735689600123,
            "message": "2025-01-01T00:00:00.123Z\\t4c5f…\\tINFO\\t{\\"_aws\\":{\\"Timestamp\\":1735689600123,\\"CloudWatchMetrics\\":[]}}\\n",
            "ingestionTime": 1735689600456,
            "eventId": "38724857162399829462758739658491376524829147536485730304"
        },
        {
            "logStreamName": "2025/01/01/[$LATEST]fedcba9876543210fedcba9876543210",
            "timestamp": 1735689601000,
            "message": "END RequestId: 4c5f\\n",
            "ingestionTime": 1735689601200,
            "eventId": "38724857184700000000000000000000000000000000000000000001"
        }
    ],
    "searchedLogStreams": []
}
`;

describe('readInput', () => {
  it('reads raw lines, CRLF or LF, split across chunks, stamping each with the clock and skipping blank lines', async () => {
    const { events, blank } = await read(['START a\r\n{"_aws":{"Time', 'stamp":1}}\n\nlast line without newline']);
    const at = { logGroup: '/aws/lambda/default', logStream: 'default-stream', timestamp: 1_700_000_000_000 };
    expect(events).toEqual([
      { ...at, message: 'START a' },
      { ...at, message: '{"_aws":{"Timestamp":1}}' },
      { ...at, message: 'last line without newline' },
    ]);
    expect(blank).toBe(1);
  });

  it('reads the AWS CLI filter-log-events output, keeping streams, timestamps and event ids; the log group comes from the defaults', async () => {
    const { events, issues } = await read(FILTER_OUTPUT);
    expect(issues).toEqual([]);
    expect(events).toEqual([
      {
        logGroup: '/aws/lambda/default', logStream: '2025/01/01/[$LATEST]0123456789abcdef0123456789abcdef', timestamp: 1735689600123,
        message: '2025-01-01T00:00:00.123Z\t4c5f…\tINFO\t{"_aws":{"Timestamp":1735689600123,"CloudWatchMetrics":[]}}\n',
        id: '38724857162399829462758739658491376524829147536485730304',
      },
      { logGroup: '/aws/lambda/default', logStream: '2025/01/01/[$LATEST]fedcba9876543210fedcba9876543210', timestamp: 1735689601000, message: 'END RequestId: 4c5f\n', id: '38724857184700000000000000000000000000000000000000000001' },
    ]);
  });

  it('reads filter-log-events pages one per line (jq -c) and get-log-events output without stream names', async () => {
    const page1 = JSON.stringify({ events: [{ logStreamName: 's1', timestamp: 1, message: 'a' }] });
    const page2 = JSON.stringify({ events: [{ timestamp: 2, message: 'b', ingestionTime: 3 }], nextForwardToken: 'f/1' });
    const { events } = await read(`${page1}\n${page2}\n`);
    expect(events.map((e) => [e.logStream, e.timestamp, e.message])).toEqual([['s1', 1, 'a'], ['default-stream', 2, 'b']]);
  });

  it('reads event records, one per line or as a {"lines":[…]} document, filling what is missing from the defaults', async () => {
    const lines = [
      JSON.stringify({ logGroup: '/aws/lambda/a', logStream: 's', timestamp: 5, message: 'x', scenario: 'ignored' }),
      JSON.stringify({ message: 'y', timestamp: 6 }),
    ].join('\n');
    expect((await read(lines)).events).toEqual([
      { logGroup: '/aws/lambda/a', logStream: 's', timestamp: 5, message: 'x' },
      { logGroup: '/aws/lambda/default', logStream: 'default-stream', timestamp: 6, message: 'y' },
    ]);
    const doc = `{"generatedAt":"2025-01-01","lines":[\n${JSON.stringify({ logGroup: 'g', logStream: 's', timestamp: 7, message: 'z' })}\n]}\n`;
    expect((await read(doc)).events).toEqual([{ logGroup: 'g', logStream: 's', timestamp: 7, message: 'z' }]);
  });

  it('counts malformed JSON input as issues and keeps reading', async () => {
    const text = [JSON.stringify({ events: [{ timestamp: 1, message: 'ok' }, { message: 'no timestamp' }] }), '{not json', JSON.stringify({ events: [{ timestamp: 2, message: 'ok2' }] })].join('\n');
    const { events, issues } = await read(text, 'filter-log-events');
    expect(events.map((e) => e.message)).toEqual(['ok', 'ok2']);
    expect(issues.map((i) => i.reason)).toEqual(['input_record_invalid', 'input_json_invalid']);
    expect(issues[1]!.detail).toMatch(/^line 2 is not JSON/);
  });

  it('with an explicit JSON format, reports a broken document instead of reading it as lines', async () => {
    const { events, issues } = await read('{\n  "events": [\n', 'filter-log-events');
    expect(events).toEqual([]);
    expect(issues.map((i) => i.reason)).toEqual(['input_json_invalid']);
  });

  it('in auto mode reads a local app’s multi-line or pretty-printed output as plain lines', async () => {
    // util.inspect of a large object, then JSON.stringify(x, null, 2) that is valid JSON but no log-event document.
    const inspect = await read("{\n  user: 'ann',\n  id: 7\n}\n");
    expect(inspect.events.map((e) => e.message)).toEqual(['{', "  user: 'ann',", '  id: 7', '}']);
    const pretty = await read('{\n  "user": "ann"\n}\n');
    expect(pretty.events.map((e) => e.message)).toEqual(['{', '  "user": "ann"', '}']);
    expect(pretty.issues).toEqual([]);
  });
});

describe('detectMode', () => {
  it('recognises log-event JSON, opening brackets, and raw lines (EMF lines included)', () => {
    expect(detectMode('{"events":[]}', 'auto')).toBe('json-lines');
    expect(detectMode('{"message":"m","timestamp":1}', 'auto')).toBe('json-lines');
    expect(detectMode('{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]},"x":1}', 'auto')).toBe('lines');
    expect(detectMode('{"fingerprint":"ab","lines":[', 'auto')).toBe('document');
    expect(detectMode('{', 'auto')).toBe('undecided');
    expect(detectMode('2025-01-01T00:00:00.000Z\tid\tINFO\t{"_aws":', 'auto')).toBe('lines');
    expect(detectMode('{"events":[]}', 'lines')).toBe('lines');
    expect(detectMode('{', 'events')).toBe('document');
  });
});
