/**
 * README.md#adding-a-provider, followed as written on a copy of the repository (its files as they
 * are on disk, node_modules linked, the tests' params as its config/params.yml): every command of
 * its `sh` blocks is run as a shell would run it, but the deploy; its params block goes into the
 * copy's config/params.yml, `default:` section; every `ts` block must be in the files the first
 * command wrote. Then the template `npm run package` built must deploy the new consumer.
 * (test/unit/infra/providerDocs.test.ts checks the rest of the guide's examples, without the CLI.)
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { FIXTURE_PARAMS } from '../../unit/infra/paramsFixture.ts';
import { codeBlocks, GUIDE_NAME, guideDocs } from '../../unit/infra/providerGuide.ts';
import { copyRepo } from './repoFiles.ts';
import { getAtt, offlineEnv, read, roleStatements, type Packaged } from './template.ts';
import { readZip } from './unzip.ts';

const ROOT = join(import.meta.dirname, '../../..');

interface Ran {
  command: string;
  code: number;
  output: string;
}

/** A command line of the guide, in the copy, as `sh -c` runs it (npm and npx from PATH). */
async function sh(copy: string, command: string): Promise<Ran> {
  try {
    const { stdout, stderr } = await promisify(execFile)('sh', ['-c', command], { cwd: copy, env: offlineEnv(), maxBuffer: 16 * 1024 * 1024 });
    return { command, code: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { command, code: typeof err.code === 'number' ? err.code : -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

let copy: string;
const ran: Ran[] = [];
const skipped: string[] = [];
const quoted: { line: number; found: boolean }[] = [];
let packaged: Packaged;

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'emf-guide-copy-'));
  copyRepo(ROOT, copy);
  // The copy's settings are the tests' own (the defaults, no consumer): the user's config/params.yml plays no part.
  copyFileSync(FIXTURE_PARAMS, join(copy, 'config/params.yml'));
  const readme = guideDocs(copy)[0]![1];
  for (const block of codeBlocks(readme)) {
    if (block.lang === 'sh') {
      for (const command of block.text.trim().split('\n')) {
        // Deploying needs an AWS account: the test stops at the template it would deploy.
        if (command.startsWith('npx sls deploy')) skipped.push(command);
        else ran.push(await sh(copy, command));
      }
    } else if (block.lang === 'yaml') {
      const file = join(copy, 'config/params.yml');
      const doc = parse(readFileSync(file, 'utf8')) as { default: Record<string, unknown> };
      doc.default = { ...doc.default, ...(parse(block.text) as Record<string, unknown>) };
      writeFileSync(file, stringify(doc));
    } else if (block.lang === 'ts') {
      const dir = join(copy, 'functions/consumers', GUIDE_NAME);
      const written = ['config.ts', 'AcmeMetricsProvider.ts', 'handler.ts', 'consumer.ts'].map((f) => readFileSync(join(dir, f), 'utf8'));
      quoted.push({ line: block.line, found: written.some((text) => text.includes(block.text)) });
    }
  }
  if (ran.at(-1)?.code === 0) packaged = read(join(copy, '.serverless'));
}, 300_000);
afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('README.md#adding-a-provider, followed literally', () => {
  it('runs: the generator, the contract test it wrote, and npm run package, each exiting 0', () => {
    expect(ran.map((r) => [r.command, r.code === 0 ? 0 : `${r.code}: ${r.output.slice(-3000)}`])).toEqual([
      ['npm run new-provider acme-metrics', 0],
      ['npx vitest run test/integration/consumer/acme-metrics.contract.test.ts', 0],
      ['npm run package', 0],
    ]);
    expect(skipped).toEqual(['npx sls deploy --stage dev']);
    expect(quoted.length).toBeGreaterThan(0);
    expect(quoted.filter((q) => !q.found)).toEqual([]);
  });

  it('ran every scenario of the provider contract against the generated provider', () => {
    const [, contract] = ran;
    // The summary line of the repository's reporter (test/setup/summaryReporter.ts).
    const [, passed] = /(\d+) passed, 0 failed/.exec(contract!.output) ?? [];
    expect(Number(passed)).toBeGreaterThanOrEqual(8);
  });

  it('packaged the consumer: its function, its event source mapping with ReportBatchItemFailures, its role, its bundle', () => {
    const r = packaged.template.Resources;
    expect(r.AcmeDashmetricsLambdaFunction!.Properties).toMatchObject({
      Handler: 'functions/consumers/acme-metrics/handler.handler',
      Description: 'emf-fanout consumer: acme-metrics',
      Role: getAtt('AcmeDashmetricsRole', 'Arn'),
      Environment: { Variables: { ACME_METRICS_URL: 'https://metrics.example.com/ingest' } },
    });
    const [esm] = Object.values(r).filter((x) => x.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(x.Properties.FunctionName).includes('AcmeDashmetricsLambdaFunction'));
    expect(esm?.Properties).toMatchObject({
      EventSourceArn: getAtt('EmfStream', 'Arn'),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: getAtt('AcmeDashmetricsFailureQueue', 'Arn') } },
    });
    const read = roleStatements(packaged.template, 'AcmeDashmetricsRole').find((s) => s.Sid === 'ReadStream');
    expect(read?.Resource).toEqual(getAtt('EmfStream', 'Arn'));
    expect(packaged.zips).toEqual(['acme-metrics.zip', 'forwarder.zip']);
    expect([...readZip(join(packaged.dir, 'acme-metrics.zip')).keys()]).toContain('functions/consumers/acme-metrics/handler.mjs');
  });

  it('refuses to generate acme-metrics again, with exit code 2, leaving its files as they are', async () => {
    const provider = join(copy, 'functions/consumers/acme-metrics/AcmeMetricsProvider.ts');
    const before = readFileSync(provider, 'utf8');
    const again = await sh(copy, 'npm run -s new-provider acme-metrics');
    expect([again.code, again.output.trim()]).toEqual([2, 'new-provider: functions/consumers/acme-metrics exists already: choose another name, or edit that consumer; nothing written']);
    expect(readFileSync(provider, 'utf8')).toBe(before);
  });

  it('wrote files that type-check with the repository', async () => {
    writeFileSync(
      join(copy, 'tsconfig.guide.json'),
      JSON.stringify({ extends: './tsconfig.json', include: ['functions/consumers/acme-metrics', 'test/integration/consumer/acme-metrics.contract.test.ts'] }),
    );
    const tsc = await sh(copy, 'npx tsc --noEmit -p tsconfig.guide.json');
    expect([tsc.code, tsc.output]).toEqual([0, '']);
  }, 120_000);
});
