/**
 * Every command stops at once, with one line and exit code 2, on a Node.js older than package.json's
 * `engines.node`: `npm start`, `npm run subscribe`, `npm run package` (the generator Serverless loads),
 * `npm run new-provider` and `npm run bench`. The old Node is faked: a module preloaded with `--import` gives
 * `process.versions.node` (and `process.version`) the value of FAKE_NODE_VERSION.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginesRange } from '../../../infra/nodeVersion.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
let dir: string;
let fake: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'emf-fanout-node-'));
  fake = join(dir, 'fake-node-version.mjs');
  writeFileSync(fake, [
    'const node = process.env.FAKE_NODE_VERSION;',
    "Object.defineProperty(process, 'versions', { value: Object.freeze({ ...process.versions, node }), enumerable: true, configurable: true });",
    "Object.defineProperty(process, 'version', { value: `v${node}`, enumerable: true, configurable: true });",
  ].join('\n'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `entry` with tsx, as the package scripts do, on a faked Node.js `version`. */
function runOn(version: string, entry: string, args: string[] = []) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(fake).href, entry, ...args], {
    cwd: ROOT, env: { ...process.env, FAKE_NODE_VERSION: version }, encoding: 'utf8', timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const oneLine = (version: string) => `emf-fanout needs Node.js ${enginesRange()} (package.json "engines"), this is Node.js ${version}: install a supported Node.js (Lambda runs 22) and run the command again\n`;

describe('an unsupported Node.js', () => {
  it.each([
    ['npm start', 'local/main.ts'],
    ['npm run subscribe', 'infra/subscribe/cli.ts'],
    ['npm run replay', 'infra/replay/cli.ts'],
    ['npm run package', 'infra/serverless/generate.ts'],
    ['npm run new-provider', 'infra/new-provider/cli.ts'],
    ['npm run bench', 'test/bench/run.ts'],
  ])('%s (%s) stops first, with one line on stderr and exit code 2', (_, entry) => {
    const r = runOn('20.18.1', entry, ['--help']);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 2, stdout: '', stderr: oneLine('20.18.1') });
  });

  it('through npm itself: npm start -- --help stops the same way (the faked version reaches the script through NODE_OPTIONS)', () => {
    const r = spawnSync('npm', ['start', '--silent', '--', '--help'], {
      cwd: ROOT, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, FAKE_NODE_VERSION: '20.18.1', NODE_OPTIONS: `--import ${pathToFileURL(fake).href}` },
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(oneLine('20.18.1'));
    expect(r.stdout).toBe('');
  });

  it('a supported one runs on: the same seam with Node.js 22.13.0 prints the usage of npm start', () => {
    const r = runOn('22.13.0', 'local/main.ts', ['--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm start/);
  });
});
