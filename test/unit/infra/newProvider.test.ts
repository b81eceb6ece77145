/**
 * `npm run new-provider <name>` (infra/new-provider/cli.ts): the names it refuses (exit 2, nothing
 * written), and that what it writes registers itself: the generator deploys it with the two params
 * the README shows. test/integration/infra/providerGuide.test.ts runs it for real, with the contract
 * test it writes and `npm run package`.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNewProvider } from '../../../infra/new-provider/cli.ts';
import { generateFunctions } from '../../../infra/serverless/generate.ts';
import { fixture } from './paramsFixture.ts';
import { ctx } from './slsContext.ts';

const REPO = join(import.meta.dirname, '../../..');

/** A repository with the folder of a consumer `statsd` (unless `withStatsd` is false), and the real shared/ (what generated code imports). */
function repo(withStatsd = true): string {
  const root = mkdtempSync(join(tmpdir(), 'emf-new-provider-'));
  mkdirSync(join(root, 'functions/consumers'), { recursive: true });
  if (withStatsd) {
    mkdirSync(join(root, 'functions/consumers/statsd'));
    writeFileSync(join(root, 'functions/consumers/statsd/handler.ts'), '');
  }
  symlinkSync(join(REPO, 'shared'), join(root, 'shared'));
  return root;
}

/** Every file under `dir`, relative to it (symlinks not followed). */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function run(args: string[], root = repo()) {
  const out = { stdout: '', stderr: '' };
  const code = runNewProvider(args, { root, stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } });
  return { code, ...out, root };
}

describe('npm run new-provider refuses, with exit code 2 and nothing written', () => {
  it.each([
    [[], 'new-provider needs the name of the consumer to write'],
    [['acme', 'metrics'], 'new-provider takes one name, got 2: acme metrics'],
    [['--name', 'acme'], "Unknown option '--name'"],
    [['Acme'], '"Acme" is not a consumer name: use lower-case words of letters and digits joined by "-", each starting with a letter (e.g. acme-metrics); nothing written'],
    [['acme_metrics'], '"acme_metrics" is not a consumer name'],
    // `acme-2x` and `acme2x` would both have the params key `acme2x`.
    [['acme-2x'], '"acme-2x" is not a consumer name'],
    [['acme-'], '"acme-" is not a consumer name'],
    [['a'.repeat(33)], `"${'a'.repeat(33)}" is too long for a consumer name: at most 32 characters`],
    [['forwarder'], '"forwarder" is the name of another function of the deployment'],
    [['new-log-group'], '"new-log-group" is the name of another function of the deployment'],
    [['stream'], '"stream" cannot name a consumer: its param "streamKmsKeyArn" is already a setting of the deployment'],
    [['statsd'], 'new-provider: functions/consumers/statsd exists already: choose another name, or edit that consumer; nothing written'],
  ])('%j', (args, message) => {
    const r = run(args);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toContain(message);
    expect(files(r.root)).toEqual(['functions/consumers/statsd/handler.ts']);
  });

  it('a name whose contract test exists already', () => {
    const root = repo();
    mkdirSync(join(root, 'test/integration/consumer'), { recursive: true });
    writeFileSync(join(root, 'test/integration/consumer/acme.contract.test.ts'), '');
    const r = run(['acme'], root);
    expect([r.code, r.stderr]).toEqual([2, 'new-provider: test/integration/consumer/acme.contract.test.ts exists already: choose another name, or move that file; nothing written\n']);
    expect(existsSync(join(root, 'functions/consumers/acme'))).toBe(false);
  });

  it('prints its usage for --help, with exit code 0', () => {
    const r = run(['--help']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^usage: npm run new-provider <name>\n/);
  });
});

describe('what npm run new-provider writes', () => {
  it('is a consumer the generator deploys with <key>Enabled and <key>Environment alone, and the next steps', async () => {
    const { code, stdout, stderr, root } = run(['acme-metrics'], repo(false));
    expect([code, stderr]).toEqual([0, '']);
    expect(files(root)).toEqual([
      'functions/consumers/acme-metrics/AcmeMetricsProvider.ts',
      'functions/consumers/acme-metrics/config.ts',
      'functions/consumers/acme-metrics/consumer.ts',
      'functions/consumers/acme-metrics/handler.ts',
      'test/integration/consumer/acme-metrics.contract.test.ts',
    ]);
    expect(stdout).toContain('       npx vitest run test/integration/consumer/acme-metrics.contract.test.ts\n');
    expect(stdout).toContain('       acmeMetricsEnabled: true\n       acmeMetricsEnvironment:\n         ACME_METRICS_URL: https://metrics.example.com/ingest\n');

    const params = { ...fixture(), acmeMetricsEnabled: true, acmeMetricsEnvironment: { ACME_METRICS_URL: 'https://metrics.example.com/ingest' } };
    const fns = (await generateFunctions(ctx(params), root)) as Record<string, { handler: string; environment: Record<string, string> }>;
    expect(fns['acme-metrics']).toMatchObject({ handler: 'functions/consumers/acme-metrics/handler.handler', environment: params.acmeMetricsEnvironment });
    // Its config.ts runs at packaging, and its secrets settings point to its _REF variable.
    await expect(generateFunctions(ctx({ ...params, acmeMetricsEnvironment: { ACME_METRICS_URL: 'ftp://x' } }), root)).rejects.toThrow(
      /"acmeMetricsEnvironment.ACME_METRICS_URL" would make function "acme-metrics" fail at every cold start: Environment variable ACME_METRICS_URL must be an http or https URL/,
    );
    await expect(generateFunctions(ctx({ ...params, acmeMetricsEnvironment: { ACME_METRICS_URL: 'https://u:hunter2@m.example.com' } }), root)).rejects.toThrow(
      /ACME_METRICS_URL" is a URL with credentials .*give the Authorization header value by reference in ACME_METRICS_AUTHORIZATION_REF/,
    );
  });
});
