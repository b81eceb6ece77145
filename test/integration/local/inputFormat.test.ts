/**
 * `npm start` (through `runMain`, the function `main.ts` runs) on input it cannot use: a file in no
 * known format — binary, JSON of another shape, text with no EMF and no Lambda line, an empty file —
 * is named as such and exits 2, while an app's raw output with EMF, a Lambda log without EMF and
 * event records still run and exit 0. Also: the exit code of a --handler FILE that cannot be loaded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { USAGE } from '../../../local/cli.ts';
import { runMain } from '../../../local/main.ts';
import type { RunSummary } from '../../../local/summary.ts';

const dir = mkdtempSync(join(tmpdir(), 'emf-fanout-input-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function run(argv: string[], stdin: Readable = Readable.from([])) {
  let stderr = '';
  let summary: RunSummary | undefined;
  const code = await runMain(argv, { env: {}, stdin, stdout: () => undefined, stderr: (t) => void (stderr += t), onSummary: (s) => (summary = s) });
  return { code, stderr, summary };
}

const EMF = JSON.stringify({ _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'App', Dimensions: [['Service']], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }] }] }, Service: 'api', Latency: 12 });
const APP_LINES = ['server listening on :3000', 'GET /health 200 1ms', 'user 7 logged in'];

describe('npm start: input in no known format', () => {
  it('names a binary file (here gzip-compressed log lines) as matching no known format and exits 2', async () => {
    const path = file('logs.gz', gzipSync(Buffer.from(`${EMF}\n`.repeat(50))));
    const r = await run([path, '--quiet']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error: INPUT matched no known format: none of its \d+ lines? is an EMF document, a Lambda log line or a log event record; it looks binary \(compressed\?\)/);
    // The run itself is still accounted for.
    expect(r.stderr).toContain('══ emf-fanout local run: end of input ══');
  });

  it('names JSON of an unsupported shape (one line or pretty-printed) read with --format auto, and exits 2', async () => {
    for (const content of [`${JSON.stringify({ users: [{ id: 1 }, { id: 2 }] })}\n`, `${JSON.stringify({ users: [{ id: 1 }] }, null, 2)}\n`]) {
      const r = await run([file('users.json', content), '--quiet']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/error: INPUT matched no known format: none of its \d+ lines? is an EMF document/);
      expect(r.stderr).not.toContain('looks binary');
    }
  });

  it('names an app’s output with no EMF and no Lambda line (standard input), and exits 2', async () => {
    const r = await run(['-', '--quiet'], Readable.from([APP_LINES.join('\n') + '\n']));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('error: INPUT matched no known format: none of its 3 lines is an EMF document, a Lambda log line or a log event record');
  });

  it('names an empty input, and exits 2', async () => {
    const r = await run([file('empty.log', '\n\n'), '--quiet']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('error: INPUT holds no log event (it is empty)');
  });

  it('names JSON that an explicit --format does not read as log events, and exits 2', async () => {
    const r = await run([file('other.jsonl', `${JSON.stringify({ users: [] })}\n${JSON.stringify({ id: 2 })}\n`), '--format', 'filter-log-events', '--quiet']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.summary!.input.logEvents).toBe(0);
    expect(r.stderr).toContain('error: INPUT holds no log event: 2 parts of it are not log events (input_record_invalid)');
  });
});

describe('npm start: input in a known format', () => {
  it('still reads an app’s raw output with EMF documents among ordinary log lines, exit 0', async () => {
    const r = await run([file('app.log', [...APP_LINES, EMF, 'shutting down'].join('\n') + '\n'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary!.forwarder).toMatchObject({ emfDocuments: 1, plainLines: 4 });
    expect(r.stderr).not.toContain('error:');
  });

  it('reads a Lambda log without EMF (START/END/REPORT, runtime lines), exit 0', async () => {
    const id = '8f5c3a2e-1b7d-4c9a-9e21-3f4b5c6d7e8f';
    const lines = [
      `START RequestId: ${id} Version: $LATEST`,
      `2025-01-01T00:00:00.123Z\t${id}\tINFO\tprocessing order 42`,
      `END RequestId: ${id}`,
    ];
    const r = await run([file('lambda.log', lines.join('\n') + '\n'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('error:');
  });

  it('reads event records whose messages are plain lines, exit 0', async () => {
    const r = await run([file('records.jsonl', `${JSON.stringify({ logGroup: '/aws/lambda/x', logStream: 's', timestamp: Date.now(), message: 'hello' })}\n`), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary!.input.logEvents).toBe(1);
  });

  it('a plain app line first and an EMF document later is enough', async () => {
    const r = await run(['-', '--quiet'], Readable.from([`${APP_LINES[0]}\n`, `${EMF}\n`]));
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('npm start: exit codes', () => {
  it('exits 2 naming a --handler FILE that does not exist or cannot be loaded', async () => {
    const missing = join(dir, 'no-such-handler.ts');
    const r = await run(['--handler', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: cannot read --handler ${missing}:`);
    const broken = file('broken-handler.mjs', 'export const handler = ;\n');
    const b = await run(['--handler', broken]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`error: cannot load --handler ${broken}:`);
  });

  it('documents every exit code in the usage text', () => {
    const section = USAGE.slice(USAGE.indexOf('\nExit code\n'));
    expect(section.match(/^ {2}\d(?= )/gm)).toEqual(['  0', '  1', '  2', '  3']);
    expect(section).toMatch(/^ {2}2 +bad usage or configuration \(.*--handler FILE that cannot be read or loaded, a Node\.js older than package\.json's\s+engines\), or an INPUT with nothing usable in it \(see INPUT\)$/ms);
    expect(section).toMatch(/^ {2}3 +an unexpected error/m);
    expect(USAGE).toMatch(/npm start says\s+so after the summary and exits 2/);
  });
});
