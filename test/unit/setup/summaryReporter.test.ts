/**
 * The closing line CI reads (`test/setup/summaryReporter.ts`): real vitest runs, programmatic, on
 * small test files in a temporary directory (its own inline config: no config file, no watch, globals
 * so the files need no import of 'vitest'), with only this reporter, whose output is captured.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVitest, type Vitest } from 'vitest/node';
import SummaryReporter from '../../setup/summaryReporter.ts';

const FILES: Record<string, string> = {
  'passing.test.ts': `
it('one', () => {});
it('two', () => {});
it.skip('skipped on purpose', () => {});
`,
  'before-all.test.ts': `
describe('a suite whose beforeAll throws', () => {
  beforeAll(() => { throw new Error('beforeAll failed'); });
  it('a', () => {});
  it('b', () => {});
  it('c', () => {});
  it.skip('skipped on purpose', () => {});
});
it('outside the suite', () => {});
`,
  'module-before-all.test.ts': `
beforeAll(() => { throw new Error('module-level beforeAll failed'); });
it('a', () => {});
it('b', () => {});
`,
  'after-all.test.ts': `
afterAll(() => { throw new Error('afterAll failed'); });
it('a', () => {});
it('b', () => {});
`,
  'syntax-error.test.ts': `
it('never collected', () => { const = 1; });
`,
  'failing-import.test.ts': `
import './no-such-module.ts';
it('never collected', () => {});
`,
  'describe-throws.test.ts': `
describe('a describe that throws while collecting', () => {
  it('a', () => {});
  throw new Error('describe failed');
});
`,
  'failing-test.test.ts': `
it('fails', () => { throw new Error('a plain failure'); });
it('passes', () => {});
`,
  'skip-at-run-time.test.ts': `
it('skips itself', (ctx) => { ctx.skip(); });
`,
};

let dir: string;
let vitest: Vitest;
let output = '';

/** Vitest's own output (errors of the failing files): kept out of this run's log. */
const discard = () => new Writable({ write: (_chunk, _enc, done) => done() });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emf-fanout-reporter-'));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  vitest = await createVitest(
    'test',
    {
      root: dir,
      config: false,
      watch: false,
      globals: true,
      include: ['*.test.ts'],
      pool: 'threads',
      maxWorkers: 2,
      reporters: [new SummaryReporter({ write: (t) => void (output += t) })],
    },
    {},
    { stdout: discard(), stderr: discard() },
  );
}, 60_000);

afterAll(async () => {
  await vitest?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the given files (names in FILES) and returns the reporter's closing line. */
async function closingLine(...files: string[]): Promise<string> {
  output = '';
  const all = await vitest.globTestSpecifications();
  const specs = all.filter((s) => files.some((f) => s.moduleId === join(dir, f)));
  expect(specs).toHaveLength(files.length);
  await vitest.runTestSpecifications(specs);
  const lines = output.trim().split('\n');
  return lines[lines.length - 1]!;
}

describe('summaryReporter: the closing line', () => {
  it('counts passing and skipped tests', async () => {
    expect(await closingLine('passing.test.ts')).toBe('2 passed, 0 failed, 1 skipped');
  });

  it('counts every test a throwing beforeAll kept from running as failed (not tests skipped on purpose)', async () => {
    expect(await closingLine('before-all.test.ts')).toBe('1 passed, 3 failed, 1 skipped');
    expect(await closingLine('module-before-all.test.ts')).toBe('0 passed, 2 failed');
  });

  it('counts a throwing afterAll after passing tests as one failure', async () => {
    expect(await closingLine('after-all.test.ts')).toBe('2 passed, 1 failed');
  });

  it('counts a module that fails to load (syntax error, failing import) or a describe that throws as one failure', async () => {
    expect(await closingLine('syntax-error.test.ts')).toBe('0 passed, 1 failed');
    expect(await closingLine('failing-import.test.ts')).toBe('0 passed, 1 failed');
    expect(await closingLine('describe-throws.test.ts')).toBe('0 passed, 1 failed');
  });

  it('counts failing tests as failed and a test that skips itself as skipped', async () => {
    expect(await closingLine('failing-test.test.ts', 'skip-at-run-time.test.ts')).toBe('1 passed, 1 failed, 1 skipped');
  });

  it('adds up a run of all of them', async () => {
    expect(await closingLine(...Object.keys(FILES))).toBe('6 passed, 10 failed, 3 skipped');
  });
});
