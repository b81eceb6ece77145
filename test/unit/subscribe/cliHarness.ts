/**
 * The harness of the `npm run subscribe` tests: a fake CloudWatch Logs account (test/unit/infra/fakeLogs.ts) and a
 * working directory with a params file, fresh for each test, and the CLI run against them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { runCli } from '../../../infra/subscribe/cli.ts';
import { ACCOUNT, captureIo, FakeLogs, REGION } from '../infra/fakeLogs.ts';

export const FORWARDER = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:emf-fanout-dev-forwarder`;
export const PATTERN = '?"_aws" ?"REPORT RequestId:"';
export const OURS = { filterName: 'emf-fanout-dev', destinationArn: FORWARDER, filterPattern: PATTERN };
export const datadog = { filterName: 'datadog', destinationArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:dd-forwarder`, filterPattern: '' };
export const splunk = { filterName: 'splunk', destinationArn: `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/splunk`, filterPattern: '' };

/** The plan table rows: ACTION, LOG GROUP, DETAIL (columns are separated by two or more spaces). */
export function planRows(stdout: string): { action: string; group: string; detail: string }[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('ACTION'));
  if (start < 0) return [];
  const rows: { action: string; group: string; detail: string }[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const [action = '', group = '', ...rest] = line.split(/ {2,}/);
    rows.push({ action, group, detail: rest.join('  ') });
  }
  return rows;
}

/** Registers the calling file's beforeEach/afterEach; `fake` and the params file are new for every test. */
export function subscribeCli() {
  let dir = '';
  const cli = {
    fake: undefined as unknown as FakeLogs,
    /** Writes the params file the CLI reads (like config/params.yml). */
    withParams(yaml: string): string {
      writeFileSync(join(dir, 'params.yml'), yaml);
      return join(dir, 'params.yml');
    },
    async run(args: string[], env: Record<string, string> = {}) {
      const c = captureIo(dir);
      const code = await runCli([...args, '--params', join(dir, 'params.yml')], { ...c.io, env: { ...c.io.env, ...env } });
      return { code, stdout: c.stdout(), stderr: c.stderr() };
    },
  };
  beforeEach(() => {
    cli.fake = new FakeLogs();
    dir = mkdtempSync(join(tmpdir(), 'emf-subscribe-'));
    cli.withParams(`default:\n  filterPattern: '${PATTERN}'\n`);
  });
  afterEach(() => cli.fake.restore());
  return cli;
}
