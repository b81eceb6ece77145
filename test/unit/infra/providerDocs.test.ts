/**
 * The provider guide (README.md#adding-a-provider, docs/providers.md) shows what the generator writes
 * and params that package (the rules: providerGuide.ts). test/integration/infra/providerGuide.test.ts
 * then runs the README's commands, with its params, on a copy of the repository.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { nextSteps } from '../../../infra/new-provider/cli.ts';
import { providerFiles } from '../../../infra/new-provider/templates.ts';
import { generateFunctions, generateResources } from '../../../infra/serverless/generate.ts';
import { knownParamKeys } from '../../../infra/serverless/paramKeys.ts';
import { fixture } from './paramsFixture.ts';
import { codeBlocks, generatedRepo, GUIDE_NAME, guideDocs } from './providerGuide.ts';
import { ctx } from './slsContext.ts';

const DOCS = guideDocs();
const blocksOf = (lang: string) => DOCS.flatMap(([file, text]) => codeBlocks(text).filter((b) => b.lang === lang).map((b) => ({ file, ...b })));
const README = DOCS[0]![1];

describe('the provider guide', () => {
  it('has only ts, yaml and sh examples, and some of each', () => {
    const all = DOCS.flatMap(([file, text]) => codeBlocks(text).map((b) => `${file}:${b.line} ${b.lang}`));
    expect(all.filter((b) => !/ (ts|yaml|sh)$/.test(b))).toEqual([]);
    expect(['ts', 'yaml', 'sh'].map((lang) => blocksOf(lang).length >= 2)).toEqual([true, true, true]);
  });

  it('quotes, in every ts block, what the generator writes for acme-metrics', () => {
    const files = providerFiles(GUIDE_NAME);
    const notWritten = blocksOf('ts').filter((b) => !files.some((f) => f.text.includes(b.text)));
    expect(notWritten.map((b) => `${b.file}:${b.line}`)).toEqual([]);
  });

  it("gives, in the README, the commands and params the generator prints as next steps", () => {
    const printed = nextSteps(GUIDE_NAME);
    const commands = codeBlocks(README).filter((b) => b.lang === 'sh').flatMap((b) => b.text.trim().split('\n'));
    expect(commands).toEqual(['npm run new-provider acme-metrics', 'npx vitest run test/integration/consumer/acme-metrics.contract.test.ts', 'npm run package', 'npx sls deploy --stage dev']);
    expect(commands.slice(1).filter((c) => !printed.includes(`       ${c}\n`))).toEqual([]);
    // The params block, as printed (indented under step 3) and as in the README.
    const printedYaml = printed.split('\n').filter((l) => l.startsWith('       ') && !l.trim().startsWith('np')).map((l) => l.slice(7)).join('\n');
    const readmeYaml = codeBlocks(README).filter((b) => b.lang === 'yaml');
    expect(readmeYaml).toHaveLength(1);
    expect(parse(readmeYaml[0]!.text)).toEqual(parse(printedYaml));
    // docs/providers.md shows no command of its own.
    expect(codeBlocks(DOCS[1]![1]).filter((b) => b.lang === 'sh')).toEqual([]);
  });

  it('gives, in every yaml block, params of acme-metrics that package', async () => {
    const root = generatedRepo();
    const known = knownParamKeys(['acmeMetrics']);
    for (const b of blocksOf('yaml')) {
      const params = parse(b.text) as Record<string, unknown>;
      expect(Object.keys(params).filter((k) => !known.includes(k)), `${b.file}:${b.line}`).toEqual([]);
      const fns = (await generateFunctions(ctx({ ...fixture(), ...params }), root)) as Record<string, { environment: Record<string, string>; reservedConcurrency?: number }>;
      // The guide's environment, plus PIPELINE_METRICS, which the pipelineMetrics param sets on every function.
      expect(fns[GUIDE_NAME]?.environment, `${b.file}:${b.line}`).toEqual({
        ...Object.fromEntries(Object.entries(params.acmeMetricsEnvironment as object).map(([k, v]) => [k, String(v)])),
        PIPELINE_METRICS: 'true',
      });
    }
  });

  it('packages the optional params as the docs/providers.md table says', async () => {
    const [full] = codeBlocks(DOCS[1]![1]).filter((b) => b.lang === 'yaml');
    const c = ctx({ ...fixture(), ...(parse(full!.text) as Record<string, unknown>) });
    const root = generatedRepo();
    const fn = ((await generateFunctions(c, root)) as Record<string, { reservedConcurrency?: number; events: { stream: { consumer?: unknown } }[] }>)[GUIDE_NAME]!;
    expect(fn.reservedConcurrency).toBe(2);
    expect(fn.events[0]!.stream.consumer).toEqual({ 'Fn::GetAtt': ['AcmeDashmetricsStreamConsumer', 'ConsumerARN'] });
    const r = (await generateResources(c, root)).Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
    expect(r.AcmeDashmetricsStreamConsumer!.Type).toBe('AWS::Kinesis::StreamConsumer');
    const statements = r.AcmeDashmetricsRole!.Properties.Policies[0].PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const byAction = (a: string) => statements.filter((s) => [s.Action].flat().includes(a)).map((s) => s.Resource);
    expect(byAction('ssm:GetParameter')).toEqual([[{ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/emf-fanout/acme-metrics-authorization' }]]);
    expect(byAction('kms:Decrypt')).toEqual(['arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555']);
    expect(byAction('s3:PutObject')).toEqual(['arn:aws:s3:::acme-archive/*']);
  });

  it('names every generated file in the docs/providers.md table', () => {
    const table = readFileSync(join(import.meta.dirname, '../../../docs/providers.md'), 'utf8');
    expect(providerFiles(GUIDE_NAME).map((f) => f.path).filter((p) => !table.includes(`| \`${p}\` |`))).toEqual([]);
  });
});
