/** `npm start -- --handler FILE`: a user's own Kinesis handler runs behind its own event source mapping. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../../../local/main.ts';
import type { RunSummary } from '../../../local/summary.ts';

const dir = mkdtempSync(join(tmpdir(), 'emf-fanout-handler-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  let stderr = '';
  let summary: RunSummary | undefined;
  const code = await runMain(argv, { env: {}, stdin: Readable.from([]), stdout: () => undefined, stderr: (t) => void (stderr += t), onSummary: (s) => (summary = s) });
  return { code, stderr, summary };
}

describe('--handler', () => {
  it('invokes the exported handler with genuine Kinesis events for every record, next to the console provider', async () => {
    // Prepare: a consumer folder with a handler.ts that keeps what it got on globalThis.
    const consumer = join(dir, 'mine');
    mkdirSync(consumer);
    const file = join(consumer, 'handler.ts');
    writeFileSync(file, `export const handler = async (event: { Records: { eventSource: string; kinesis: { sequenceNumber: string } }[] }) => {
  const seen = ((globalThis as Record<string, unknown>).__mineSeen ??= []) as string[];
  for (const r of event.Records) seen.push(r.eventSource + ' ' + r.kinesis.sequenceNumber);
  return { batchItemFailures: [] };
};\n`);

    // Act: the bundled sample.
    const r = await run(['--handler', file, '--quiet']);

    // Assess
    expect(r.code, r.stderr).toBe(0);
    const mine = r.summary!.providers.find((p) => p.name === 'mine')!;
    const seen = (globalThis as Record<string, unknown>).__mineSeen as string[];
    expect(mine.counted).toBe(false);
    expect(mine.esm.recordsProcessed).toBe(r.summary!.forwarder.records);
    expect(seen).toHaveLength(r.summary!.forwarder.records);
    expect(new Set(seen).size).toBe(seen.length);
    for (const s of seen) expect(s).toMatch(/^aws:kinesis \d+$/);
    expect(r.stderr).toContain('mine         ');
  });

  it('exits 2 naming the file when it exports no handler', async () => {
    const file = join(dir, 'nothing.mjs');
    writeFileSync(file, 'export const other = 1;\n');
    const r = await run(['--handler', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: --handler ${file} does not export a function named "handler"`);
  });

  it('exits 2 naming the variable on a bad provider configuration', async () => {
    let stderr = '';
    const code = await runMain([], { env: { PROM_RW_URL: 'ftp://example' }, stdin: Readable.from([]), stdout: () => undefined, stderr: (t) => void (stderr += t) });
    expect(code).toBe(2);
    expect(stderr).toContain('error: Environment variable PROM_RW_URL must be an http or https URL');
  });
});
