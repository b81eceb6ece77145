/** Whether `npm start`'s input was in a known format (`input/recognise.ts`), line by line and through `readInput`. */
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readInput } from '../../../local/input/readInput.ts';
import { InputRecognition, knownLine } from '../../../local/input/recognise.ts';
import type { InputFormat } from '../../../local/input/types.ts';

const defaults = { logGroup: '/aws/lambda/default', logStream: 'default-stream', now: () => 1_700_000_000_000 };
const EMF = '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"M"}]}]},"M":1}';
const ID = '8f5c3a2e-1b7d-4c9a-9e21-3f4b5c6d7e8f';

/** Reads `input` to the end and returns the recognition and the issues counted by reason. */
async function recognise(input: string | Buffer | (string | Buffer)[], format: InputFormat = 'auto') {
  const recognition = new InputRecognition();
  const issues: Record<string, number> = {};
  let events = 0;
  const chunks = Array.isArray(input) ? input : [input];
  for await (const _ of readInput(Readable.from(chunks), { format, defaults, recognition, onIssue: (i) => void (issues[i.reason] = (issues[i.reason] ?? 0) + 1) })) events++;
  return { recognition, issues, events, problem: recognition.problem(issues) };
}

describe('knownLine', () => {
  it('knows EMF documents, valid or not, bare or behind a Lambda runtime prefix', () => {
    expect(knownLine(EMF)).toBe('an EMF document');
    expect(knownLine(`2025-01-01T00:00:00.000Z\t${ID}\tINFO\t${EMF}`)).toBe('an EMF document');
    expect(knownLine('{"_aws":{"Timestamp":"yesterday"}}')).toBe('an EMF document');
    expect(knownLine('{"_aws": broken')).toBe('an EMF document');
  });

  it('knows Lambda platform lines, runtime text lines and Lambda’s JSON log format', () => {
    for (const line of [
      `START RequestId: ${ID} Version: $LATEST`,
      `END RequestId: ${ID}`,
      `REPORT RequestId: ${ID}\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t`,
      'INIT_START Runtime Version: nodejs:20.v13\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:0123',
      `2025-01-01T00:00:03.000Z ${ID} Task timed out after 3.00 seconds`,
      `2025-01-01T00:00:00.123Z\t${ID}\tINFO\tprocessing order 42`,
      `[INFO]\t2025-01-01T00:00:00.123Z\t${ID}\tprocessing order 42`,
      '{"time":"2025-01-01T00:00:00.000Z","type":"platform.start","record":{"requestId":"r","version":"$LATEST"}}',
      `{"timestamp":"2025-01-01T00:00:00.000Z","level":"INFO","requestId":"${ID}","message":"processing order 42"}`,
    ]) expect(knownLine(line), line).toBe('a Lambda log line');
  });

  it('does not know ordinary app lines, util.inspect output, other JSON or other JSON logs', () => {
    for (const line of [
      'server listening on :3000',
      "{ _awsRegion: 'x' }",
      '{"users":[{"id":1}]}',
      '{"level":30,"time":1735689600000,"requestId":"r1","msg":"GET /"}',
      'REPORTING is done',
      '2025-01-01 00:00:00 INFO started',
    ]) expect(knownLine(line), line).toBeUndefined();
  });
});

describe('InputRecognition through readInput', () => {
  it('is satisfied by one EMF line among plain app lines, wherever it stands', async () => {
    const r = await recognise(['server up\nGET / 200\n', `${EMF}\nbye\n`]);
    expect(r.recognition.known).toBe('an EMF document');
    expect(r.problem).toBeUndefined();
  });

  it('is satisfied by log events read from JSON, even when their messages are plain lines', async () => {
    const r = await recognise(`${JSON.stringify({ events: [{ timestamp: 1, message: 'hello' }] })}\n`);
    expect(r.recognition.known).toBe('log event records');
    expect(r.problem).toBeUndefined();
    const records = await recognise(`{\n  "lines": [\n    {"message": "hello", "timestamp": 1}\n  ]\n}\n`);
    expect(records.recognition.known).toBe('log event records');
  });

  it('names plain lines, pretty-printed JSON of another shape and binary input', async () => {
    const plain = await recognise('server up\nGET / 200\nbye\n');
    expect(plain.problem).toBe('INPUT matched no known format: none of its 3 lines is an EMF document, a Lambda log line or a log event record; read as plain lines, it gave nothing to forward');
    const pretty = await recognise(`${JSON.stringify({ users: [{ id: 1 }] }, null, 2)}\n`);
    expect(pretty.events).toBeGreaterThan(1);
    expect(pretty.problem).toMatch(/^INPUT matched no known format: none of its \d+ lines is/);
    const binary = await recognise(gzipSync(Buffer.from(`${EMF}\n`.repeat(20))));
    expect(binary.problem).toMatch(/; it looks binary \(compressed\?\); read as plain lines/);
    // Colours (ESC) and tabs are text.
    expect((await recognise('\u001b[32mok\u001b[0m\tdone\n')).problem).not.toContain('binary');
  });

  it('names an empty input and JSON that holds no log event', async () => {
    expect((await recognise('')).problem).toBe('INPUT holds no log event (it is empty)');
    expect((await recognise('\n  \n')).problem).toBe('INPUT holds no log event (it is empty)');
    expect((await recognise('just one line')).problem).toMatch(/^INPUT matched no known format: none of its 1 line is/);
    const other = await recognise('{"users":[]}\n{"id":2}\n', 'events');
    expect(other.events).toBe(0);
    expect(other.problem).toBe('INPUT holds no log event: 2 parts of it are not log events (input_record_invalid)');
    const broken = await recognise('{\n  "events": [\n', 'filter-log-events');
    expect(broken.problem).toBe('INPUT holds no log event: 1 part of it is not a log event (input_json_invalid)');
  });
});
