/**
 * Registering a consumer is its folder's consumer.ts (infra/serverless/registry.ts): what the
 * generator finds, the defaults of the consumer's params, and the one-line errors of a
 * registration that is wrong. Consumers other than the shipped ones live in temporary
 * repositories here (`generateFunctions(ctx, root)` deploys the consumers of `root`).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateFunctions, generateResources } from '../../../infra/serverless/generate.ts';
import { discoverConsumers, RegistrationError, specOf } from '../../../infra/serverless/registry.ts';
import { fixture } from './paramsFixture.ts';
import { ctx } from './slsContext.ts';

const REPO = join(import.meta.dirname, '../../..');
type Fn = { handler: string; description: string; environment: Record<string, string>; reservedConcurrency?: number; events: { stream: Record<string, unknown> }[] };

/** A repository holding only functions/consumers/, with these files (path → text). */
function repoWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'emf-registry-'));
  mkdirSync(join(root, 'functions/consumers'), { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** A consumer `name` whose validate requires ACME_URL, as a loader would (a ConfigError naming it). */
const acme = (name: string, validate = `if (!env.ACME_URL) throw new ConfigError('ACME_URL', 'is required');`) => ({
  [`functions/consumers/${name}/handler.ts`]: 'export const handler = async () => ({ batchItemFailures: [] });\n',
  [`functions/consumers/${name}/consumer.ts`]: `import { ConfigError } from '${REPO}/shared/errors.ts';
export const consumer = {
  validate: (env: Record<string, string | undefined>) => { ${validate} },
  secrets: { prefixes: ['ACME_'], refVariables: ['ACME_TOKEN_REF'] },
};
`,
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: Error) => {
      // One line, and what Serverless prints (the stack) is the message alone.
      expect(e.message).not.toContain('\n');
      expect(e.stack).toBe(`${e.name}: ${e.message}`);
      return e.message;
    },
  );

describe('the shipped consumers', () => {
  it('are found by their folders: params key, handler, description, and the consumer core as a credential prefix', async () => {
    const specs = await discoverConsumers();
    const shipped = specs.filter((s) => ['example-http', 'prometheus', 'statsd'].includes(s.functionKey));
    expect(shipped.map((s) => [s.functionKey, s.key, s.handler, s.description])).toEqual([
      ['example-http', 'exampleHttp', 'functions/consumers/example-http/handler.handler', 'emf-fanout consumer: example HTTP provider'],
      ['prometheus', 'prometheus', 'functions/consumers/prometheus/handler.handler', 'emf-fanout consumer: Prometheus remote write'],
      ['statsd', 'statsd', 'functions/consumers/statsd/handler.handler', 'emf-fanout consumer: StatsD / DogStatsD'],
    ]);
    expect(shipped.map((s) => s.secrets.prefixes)).toEqual([
      ['EXAMPLE_HTTP_', 'CONSUMER_'],
      ['PROM_RW_', 'CONSUMER_'],
      ['STATSD_', 'DD_', 'CONSUMER_'],
    ]);
    // The Datadog Lambda extension's API key, read by the extension beside the StatsD function.
    expect(shipped.map((s) => s.secrets.extensionRefs)).toEqual([undefined, undefined, { DD_API_KEY_SECRET_ARN: 'secretsmanager', DD_API_KEY_SSM_NAME: 'ssm' }]);
  });
});

describe('a consumer registered by its consumer.ts alone', () => {
  const root = repoWith(acme('acme-metrics'));
  const enabled = { ...fixture(), acmeMetricsEnabled: true, acmeMetricsEnvironment: { ACME_URL: 'https://acme.example.com' } };

  it('is deployed with `<key>Enabled: true` and its environment, every other setting at its default', async () => {
    const fns = (await generateFunctions(ctx(enabled), root)) as Record<string, Fn>;
    expect(Object.keys(fns)).toEqual(['forwarder', 'acme-metrics']);
    const fn = fns['acme-metrics']!;
    expect([fn.handler, fn.description, fn.environment, fn.reservedConcurrency]).toEqual([
      'functions/consumers/acme-metrics/handler.handler',
      'emf-fanout consumer: acme-metrics',
      { ACME_URL: 'https://acme.example.com', PIPELINE_METRICS: 'true' },
      undefined,
    ]);
    // No enhanced fan-out: the mapping reads the stream itself.
    expect(fn.events[0]!.stream).toMatchObject({ arn: { 'Fn::GetAtt': ['EmfStream', 'Arn'] }, functionResponseType: 'ReportBatchItemFailures' });
    expect(fn.events[0]!.stream.consumer).toBeUndefined();
    const r = (await generateResources(ctx(enabled), root)).Resources as Record<string, { Type: string }>;
    expect(Object.keys(r).filter((id) => id.startsWith('AcmeDashmetrics')).sort()).toEqual([
      'AcmeDashmetricsDataDroppedAlarm',
      'AcmeDashmetricsErrorsAlarm',
      'AcmeDashmetricsFailureQueue',
      'AcmeDashmetricsFailureQueueDepthAlarm',
      'AcmeDashmetricsIteratorAgeAlarm',
      'AcmeDashmetricsRole',
    ]);
    // Not enabled (no params at all): nothing.
    expect(Object.keys(await generateFunctions(ctx(fixture()), root))).toEqual(['forwarder']);
  });

  it('has its validate, the consumer core and the plain-secret rules run at packaging, naming its params', async () => {
    expect(await failure(generateFunctions(ctx({ ...fixture(), acmeMetricsEnabled: true }), root))).toMatch(
      /^param "acmeMetricsEnvironment.ACME_URL" would make function "acme-metrics" fail at every cold start: Environment variable ACME_URL is required; set acmeMetricsEnvironment.ACME_URL, or acmeMetricsEnabled: false/,
    );
    expect(await failure(generateFunctions(ctx({ ...enabled, acmeMetricsEnvironment: { ACME_URL: 'x', CONSUMER_MAX_RETRIES: 'many' } }), root))).toMatch(
      /^param "acmeMetricsEnvironment.CONSUMER_MAX_RETRIES" would make .*must be an integer/,
    );
    expect(await failure(generateFunctions(ctx({ ...enabled, acmeMetricsEnvironment: { ACME_URL: 'x', ACME_TOKEN: 'hunter2' } }), root))).toMatch(
      /^param "acmeMetricsEnvironment.ACME_TOKEN" is a credential given as a plain value.*use ACME_TOKEN_REF/,
    );
  });

  it('knows its optional params, and names a consumer that is not registered', async () => {
    const all = { ...enabled, acmeMetricsEnhancedFanOut: true, acmeMetricsKmsKeyArn: '', acmeMetricsReservedConcurrency: 2, acmeMetricsIamStatements: [] };
    expect(((await generateFunctions(ctx(all), root)) as Record<string, Fn>)['acme-metrics']!.reservedConcurrency).toBe(2);
    expect(await failure(generateFunctions(ctx({ ...fixture(), acmeMetricsEnabled: true })))).toBe(
      'unknown param "acmeMetricsEnabled" in section "default:" (no consumer "acme-metrics" is registered: functions/consumers/acme-metrics/consumer.ts is missing; npm run new-provider acme-metrics writes a consumer with it, docs/providers.md) (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
  });

  it("says so on one line when its validate fails other than with a ConfigError", async () => {
    const buggy = repoWith(acme('acme-metrics', `throw new TypeError("env.ACME_URL.trim is not a function\\n    at validate");`));
    expect(await failure(generateFunctions(ctx(enabled), buggy))).toBe(
      'functions/consumers/acme-metrics/consumer.ts validate threw TypeError: env.ACME_URL.trim is not a function; it must return, or throw a ConfigError naming the variable (docs/providers.md)',
    );
  });
});

describe('registrations that are wrong fail the packaging on one line, naming the file', () => {
  const consumerTs = 'functions/consumers/acme/consumer.ts';
  const handlerTs = 'functions/consumers/acme/handler.ts';
  const handler = 'export const handler = async () => ({});\n';

  it.each([
    ['a handler.ts without consumer.ts', { [handlerTs]: handler }, 'functions/consumers/acme has a handler.ts but no consumer.ts, which registers it for npm run package (npm run new-provider writes one)'],
    ['a consumer.ts without handler.ts', { [consumerTs]: 'export const consumer = { validate: () => {} };\n' }, 'functions/consumers/acme has a consumer.ts but no handler.ts'],
    ['a folder name that is not a consumer name', { 'functions/consumers/Acme_Metrics/handler.ts': handler, 'functions/consumers/Acme_Metrics/consumer.ts': '' }, 'functions/consumers/Acme_Metrics cannot be deployed: "Acme_Metrics" is not a consumer name'],
    ['a name whose params are settings already', { 'functions/consumers/stream/handler.ts': handler, 'functions/consumers/stream/consumer.ts': '' }, 'its param "streamKmsKeyArn" is already a setting'],
    // The loader's error, its announcing line joined with the next one (vitest's loader here, tsx's in npm run package).
    ['a consumer.ts that does not compile', { [handlerTs]: handler, [consumerTs]: 'export const consumer = {\n' }, /^functions\/consumers\/acme\/consumer.ts could not be loaded: \w*Error: Transform failed with 1 error: .*Expected .* \(docs\/providers.md\)$/],
    ['no `consumer` export', { [handlerTs]: handler, [consumerTs]: 'export const registration = {};\n' }, `${consumerTs} must export \`consumer\``],
  ])('%s', async (_, files, expected: string | RegExp) => {
    const message = await failure(discoverConsumers(repoWith(files)));
    if (typeof expected === 'string') expect(message).toContain(expected);
    else expect(message).toMatch(expected);
  });

  it('checks the shape of `consumer`: known fields, validate a function, secrets of the right types', () => {
    const message = (consumer: unknown) => {
      try {
        specOf('acme', { consumer }, consumerTs);
        return 'no error';
      } catch (e) {
        expect(e).toBeInstanceOf(RegistrationError);
        return (e as Error).message;
      }
    };
    const validate = () => undefined;
    expect(message({ validate, descripton: 'x' })).toBe(`${consumerTs} exports \`consumer\` with unknown field "descripton" (known: description, validate, secrets) (docs/providers.md)`);
    expect(message({ description: 'x' })).toMatch(/must give `consumer.validate\(env\)`/);
    expect(message({ validate, description: '' })).toMatch(/must give `consumer.description` as a non-empty string/);
    expect(message({ validate, secrets: { refVariable: [] } })).toMatch(/`consumer.secrets` with the unknown field "refVariable" \(known: prefixes, refVariables, headerVariables, urlCredentials, authorization, extensionRefs\)/);
    expect(message({ validate, secrets: { extensionRefs: { ACME_KEY_ARN: 'vault' } } })).toMatch(/must give `consumer.secrets.extensionRefs` as a map of variable names to 'ssm' or 'secretsmanager'/);
    expect(specOf('acme', { consumer: { validate, secrets: { extensionRefs: { ACME_KEY_ARN: 'secretsmanager' } } } }, consumerTs).secrets.extensionRefs).toEqual({ ACME_KEY_ARN: 'secretsmanager' });
    expect(message({ validate, secrets: { refVariables: 'ACME_TOKEN_REF' } })).toMatch(/must give `consumer.secrets.refVariables` as a list of strings/);
    // The defaults: the name's own prefix, no references.
    const spec = specOf('acme-metrics', { consumer: { validate } }, consumerTs);
    expect([spec.description, spec.secrets]).toEqual(['emf-fanout consumer: acme-metrics', { prefixes: ['ACME_METRICS_', 'CONSUMER_'], refVariables: [], headerVariables: {}, urlCredentials: {} }]);
  });
});
