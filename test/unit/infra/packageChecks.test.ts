/**
 * `npm run package` refuses settings that would fail every invocation, unknown params and
 * plain-text credentials (infra/serverless/coldStart.ts, paramKeys.ts, templateParams.ts).
 * These tests call the generator the way Serverless does (slsContext.ts); the same cases run
 * through a real `sls package` in test/integration/infra/packageValidation.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isCredentialName } from '../../../infra/serverless/coldStart.ts';
import { CONSUMER_PARAM_SUFFIXES } from '../../../infra/serverless/consumerNames.ts';
import { generateFunctions, generateResources } from '../../../infra/serverless/generate.ts';
import { GLOBAL_PARAM_KEYS, knownParamKeys } from '../../../infra/serverless/paramKeys.ts';
import { Params } from '../../../infra/serverless/params.ts';
import { discoverConsumers } from '../../../infra/serverless/registry.ts';
import { LOG_LEVELS, STREAM_MODES } from '../../../infra/serverless/templateParams.ts';
import { parseLogLevel } from '../../../shared/log/logger.ts';
import { fixture, fixtureDoc } from './paramsFixture.ts';
import { ctx, slsContext } from './slsContext.ts';

const ROOT = new URL('../../../', import.meta.url);
const CONSUMERS = await discoverConsumers();
const PROM_URL = 'https://prom.example.com/api/v1/write';
type Fn = { environment: Record<string, unknown>; reservedConcurrency?: number };

const failure = (params: Record<string, unknown>) => generateFunctions(ctx({ ...fixture(), ...params })).then(
  () => {
    throw new Error('generated without an error');
  },
  (e: Error) => e.message,
);
const prometheus = (env: Record<string, string>) => ({ prometheusEnabled: true, prometheusEnvironment: { PROM_RW_URL: PROM_URL, ...env } });

describe('settings that would fail every cold start fail the packaging, naming the param and the allowed values', () => {
  it('recordCompression: zip (the forwarder)', async () => {
    expect(await failure({ recordCompression: 'zip' })).toBe(
      'param "recordCompression" would make function "forwarder" fail at every cold start: Environment variable RECORD_COMPRESSION must be one of brotli, gzip, none, got "zip" (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
  });

  it('prometheusEnabled: true without PROM_RW_URL', async () => {
    expect(await failure({ prometheusEnabled: true })).toBe(
      'param "prometheusEnvironment.PROM_RW_URL" would make function "prometheus" fail at every cold start: Environment variable PROM_RW_URL is required; set prometheusEnvironment.PROM_RW_URL, or prometheusEnabled: false (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
  });

  it('PROM_RW_DIMENSION_MODE: perset', async () => {
    expect(await failure(prometheus({ PROM_RW_DIMENSION_MODE: 'perset' }))).toBe(
      'param "prometheusEnvironment.PROM_RW_DIMENSION_MODE" would make function "prometheus" fail at every cold start: Environment variable PROM_RW_DIMENSION_MODE must be one of per-set, union, got "perset" (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
  });

  it('streamMode: ONDEMAND (the template supports ON_DEMAND and PROVISIONED)', async () => {
    expect(await failure({ streamMode: 'ONDEMAND' })).toBe(
      'param "streamMode" must be one of ON_DEMAND, PROVISIONED, got "ONDEMAND" (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
    // What stream.yml tests for, and passes to StreamModeDetails.
    expect(readFileSync(new URL('infra/resources/stream.yml', ROOT), 'utf8')).toContain("StreamIsProvisioned: !Equals ['${param:streamMode}', PROVISIONED]");
    expect(STREAM_MODES).toEqual(['ON_DEMAND', 'PROVISIONED']);
    await expect(failure({ streamMode: 'PROVISIONED', streamShardCount: 0 })).resolves.toMatch(/param "streamShardCount" must be an integer of at least 1, got 0/);
  });

  it("the other functions' loaders too: the consumer core, StatsD, the example HTTP provider", async () => {
    expect(await failure(prometheus({ CONSUMER_MAX_RETRIES: 'lots' }))).toMatch(
      /^param "prometheusEnvironment.CONSUMER_MAX_RETRIES" would make function "prometheus" fail at every cold start: Environment variable CONSUMER_MAX_RETRIES must be an integer, got "lots"/,
    );
    expect(await failure({ statsdEnabled: true, statsdEnvironment: { STATSD_STYLE: 'graphite' } })).toMatch(
      /^param "statsdEnvironment.STATSD_STYLE" would make function "statsd" fail .*must be one of dogstatsd, telegraf, statsd, got "graphite"/,
    );
    expect(await failure({ exampleHttpEnabled: true, exampleHttpEnvironment: { EXAMPLE_HTTP_URL: 'ftp://x.example.com' } })).toMatch(
      /^param "exampleHttpEnvironment.EXAMPLE_HTTP_URL" would make function "example-http" fail .*must be an http or https URL/,
    );
    expect(await failure(prometheus({ PROM_RW_AUTH: 'bearer' }))).toMatch(/PROM_RW_BEARER_TOKEN_REF is required; set prometheusEnvironment.PROM_RW_BEARER_TOKEN_REF, or prometheusEnabled: false/);
    expect(await failure({ platformMetrics: 'maybe' })).toMatch(/^param "platformMetrics" would make function "forwarder" fail .*PLATFORM_METRICS must be true or false/);
    expect(await failure({ recordCompression: 'none', recordTargetBytes: 1_048_576 })).toMatch(/^param "recordTargetBytes" .*must leave room under KINESIS_MAX_RECORD_BYTES/);
  });

  it('STATSD_PROTOCOL=uds: the bundles leave out unix-dgram, so the function could not load it in Lambda', async () => {
    expect(await failure({ statsdEnabled: true, statsdEnvironment: { STATSD_PROTOCOL: 'uds' } })).toMatch(
      /^param "statsdEnvironment.STATSD_PROTOCOL" would make function "statsd" fail at every cold start: Environment variable STATSD_PROTOCOL must be udp or tcp in Lambda, got "uds".*infra\/esbuild.yml/,
    );
  });

  it('a value of provider.environment (serverless.yml) is named as such', async () => {
    const base = ctx({ ...fixture(), ...prometheus({}) });
    const withProviderEnv = {
      ...base,
      resolveVariable: async (a: string) => (a.startsWith('self:provider.environment') ? { NODE_OPTIONS: '--enable-source-maps', CONSUMER_RETRY_MIN_DELAY_MS: '-5' } : base.resolveVariable(a)),
    };
    await expect(generateFunctions(withProviderEnv)).rejects.toThrow(
      'param "provider.environment.CONSUMER_RETRY_MIN_DELAY_MS" would make function "prometheus" fail at every cold start: Environment variable CONSUMER_RETRY_MIN_DELAY_MS must be >= 0, got -5 (serverless.yml)',
    );
  });

  it('enumerated params of the static templates: logLevel, logRetentionDays', async () => {
    expect(await failure({ logLevel: 'verbose' })).toMatch(/^param "logLevel" must be one of debug, info, warn, error, got "verbose"/);
    // The logger would silently log at info instead; the listed levels are exactly the ones it knows.
    expect(parseLogLevel('verbose')).toBe('info');
    for (const l of LOG_LEVELS) expect(parseLogLevel(l)).toBe(l);
    expect(await failure({ logRetentionDays: 13 })).toMatch(/^param "logRetentionDays" must be one of 1, 3, 5, 7, 14, 30, .*3653, got 13/);
  });

  it('pipelineMetrics, the parked events\' lifetime and the new alarm thresholds, on one line each', async () => {
    const oneLine = (m: string) => expect(m).not.toContain('\n');
    for (const [params, message] of [
      [{ pipelineMetrics: 'yes' }, 'param "pipelineMetrics" must be true or false, got "yes" (config/params.yml, or the file named by EMF_FANOUT_PARAMS)'],
      [{ pipelineMetrics: null }, 'param "pipelineMetrics" is not set (config/params.yml, or the file named by EMF_FANOUT_PARAMS)'],
      [{ forwarderParkedEventDays: 0 }, 'param "forwarderParkedEventDays" must be an integer from 1 to 3650, got 0 (config/params.yml, or the file named by EMF_FANOUT_PARAMS)'],
      [{ alarmRejectedDocumentsThreshold: 'many' }, 'param "alarmRejectedDocumentsThreshold" must be an integer from 1 to 1000000000, got "many" (config/params.yml, or the file named by EMF_FANOUT_PARAMS)'],
    ] as const) {
      const m = await failure(params);
      expect(m).toBe(message);
      oneLine(m);
    }
    // Read only with a consumer enabled, like the consumer's other alarms.
    expect(await failure({ ...prometheus({}), alarmDataDroppedThreshold: 0 })).toMatch(/^param "alarmDataDroppedThreshold" must be an integer from 1 to 1000000000, got 0/);
  });

  it('PIPELINE_METRICS in a consumer\'s environment: it comes from pipelineMetrics, for every function alike', async () => {
    expect(await failure(prometheus({ PIPELINE_METRICS: 'false' }))).toBe(
      'param "prometheusEnvironment.PIPELINE_METRICS" is set by the param "pipelineMetrics" for every function: remove it here (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
    const fns = (await generateFunctions(ctx({ ...fixture(), ...prometheus({}), pipelineMetrics: false }))) as Record<string, Fn>;
    expect([fns.forwarder!.environment.PIPELINE_METRICS, fns.prometheus!.environment.PIPELINE_METRICS]).toEqual(['false', 'false']);
  });
});

describe('unknown params are named, with the closest known one', () => {
  it('a misspelled key in default:, in the stage section and in --param', async () => {
    const { recordCompression, ...rest } = fixture();
    const typo = await generateFunctions(ctx({ ...rest, recordCompresion: recordCompression })).catch((e: Error) => e.message);
    expect(typo).toBe('unknown param "recordCompresion" in section "default:" (did you mean "recordCompression"?) (config/params.yml, or the file named by EMF_FANOUT_PARAMS)');

    const doc = { ...fixtureDoc(), prod: { logRetentionDays: 30, batchSzie: 3, wholeNewThing: 1 } };
    await expect(generateFunctions(slsContext(doc, 'prod'))).rejects.toThrow(
      'unknown params "batchSzie" in section "prod:" (did you mean "batchSize"?); "wholeNewThing" in section "prod:" (no known setting is close; config/params.yml lists them all)',
    );
    // Another stage's section is checked when that stage is packaged (Serverless leaves it unresolved).
    await expect(generateFunctions(slsContext(doc, 'dev'))).resolves.toHaveProperty('forwarder');
    await expect(generateFunctions(slsContext(fixtureDoc(), 'dev', ['statsdEnabeld=true']))).rejects.toThrow('unknown param "statsdEnabeld" in --param (did you mean "statsdEnabled"?)');
  });

  it('knows every ${param:…} of the YAML templates; config/params.yml sets every deployment-wide param and documents the per-consumer ones', () => {
    const known = knownParamKeys(CONSUMERS.map((c) => c.key));
    const yml = ['serverless.yml', ...readdirSync(new URL('infra/resources/', ROOT)).map((f) => `infra/resources/${f}`)];
    const used = yml.flatMap((f) => [...readFileSync(new URL(f, ROOT), 'utf8').matchAll(/\$\{param:([A-Za-z0-9]+)/g)].map((m) => m[1]!));
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((k) => !known.includes(k))).toEqual([]);
    // The shipped file's layout only, not its values: which consumers it enables is the user's choice.
    const text = readFileSync(new URL('config/params.yml', ROOT), 'utf8');
    const keys = Object.keys((parse(text) as { default: Record<string, unknown> }).default);
    expect(GLOBAL_PARAM_KEYS.filter((k) => !keys.includes(k))).toEqual([]);
    expect(keys.filter((k) => !known.includes(k))).toEqual([]);
    expect(CONSUMER_PARAM_SUFFIXES.filter((suffix) => !text.includes(`\`<key>${suffix}\``))).toEqual([]);
    // The fixture the tests start from has the same deployment-wide settings, and no consumer's.
    expect(Object.keys(fixtureDoc().default!).sort()).toEqual([...GLOBAL_PARAM_KEYS].sort());
  });

  it('refuses (as a generator bug) to read a param missing from the list', async () => {
    await expect(new Params(ctx({ a: 1, b: 2 }), new Set(['a'])).int('b', 0, 9)).rejects.toThrow('reads param "b", which is not listed in infra/serverless/paramKeys.ts');
  });
});

describe('credentials in plain values are refused, without showing them', () => {
  const refused = async (params: Record<string, unknown>) => {
    const message = await failure(params);
    expect(message).not.toContain('hunter2');
    return message;
  };

  it('user info in a URL: PROM_RW_URL, EXAMPLE_HTTP_URL, even one that does not parse', async () => {
    expect(await refused({ prometheusEnabled: true, prometheusEnvironment: { PROM_RW_URL: 'https://user:hunter2@prom.example.com/api/v1/write' } })).toBe(
      'param "prometheusEnvironment.PROM_RW_URL" is a URL with credentials in its user info (user:password@), which would be packaged in plain text (the value is not shown): give credentials by reference: PROM_RW_AUTH=basic with PROM_RW_BASIC_USERNAME and PROM_RW_BASIC_PASSWORD_REF, PROM_RW_AUTH=bearer with PROM_RW_BEARER_TOKEN_REF, or headers in PROM_RW_HEADERS_REF (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
    expect(await refused({ exampleHttpEnabled: true, exampleHttpEnvironment: { EXAMPLE_HTTP_URL: 'https://user:hunter2@metrics.example.com/ingest' } })).toBe(
      'param "exampleHttpEnvironment.EXAMPLE_HTTP_URL" is a URL with credentials in its user info (user:password@), which would be packaged in plain text (the value is not shown): give the Authorization header value by reference in EXAMPLE_HTTP_AUTHORIZATION_REF (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
    // The loader would echo a URL it cannot parse; the secret check runs first.
    expect(await refused({ exampleHttpEnabled: true, exampleHttpEnvironment: { EXAMPLE_HTTP_URL: 'https://user:hunter 2@x y' } })).toMatch(/EXAMPLE_HTTP_URL" is a URL with credentials/);
    expect(await refused(prometheus({ PROM_RW_URL: `${PROM_URL}?tenant=a&api_key=hunter2` }))).toMatch(/PROM_RW_URL" is a URL with a credential-like query parameter/);
  });

  it('credential-like headers in PROM_RW_HEADERS (Authorization, X-Api-Key, api-key, token names), pointing to PROM_RW_HEADERS_REF', async () => {
    const headers = (h: Record<string, string>) => prometheus({ PROM_RW_HEADERS: JSON.stringify(h) });
    expect(await refused(headers({ 'X-Scope-OrgID': 'team-a', 'X-Api-Key': 'hunter2' }))).toBe(
      'param "prometheusEnvironment.PROM_RW_HEADERS" sets the credential-like header "X-Api-Key" in plain text (the value is not shown): put headers with credentials in a secret and name it in PROM_RW_HEADERS_REF ("ssm:<parameter>" or "secretsmanager:<secret>[#<json key>]"; the secret is a JSON object of headers) (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
    expect(await refused(headers({ Authorization: 'Bearer hunter2' }))).toMatch(/header "Authorization" .*PROM_RW_HEADERS_REF .*, or use PROM_RW_AUTH=bearer with PROM_RW_BEARER_TOKEN_REF/);
    for (const h of ['api-key', 'X-Auth-Token', 'Private-Token', 'Cookie', 'X-Functions-Key']) expect(await refused(headers({ [h]: 'hunter2' }))).toContain(`header "${h}"`);
    // Not credentials: these headers package.
    const fns = (await generateFunctions(ctx({ ...fixture(), ...headers({ 'X-Scope-OrgID': 'team-a', 'X-Prometheus-Tenant': 'b' }) }))) as Record<string, Fn>;
    expect(fns.prometheus!.environment.PROM_RW_HEADERS).toBe('{"X-Scope-OrgID":"team-a","X-Prometheus-Tenant":"b"}');
  });

  it("a provider's credential variable given as a value instead of its _REF", async () => {
    expect(await refused({ exampleHttpEnabled: true, exampleHttpEnvironment: { EXAMPLE_HTTP_URL: 'https://m.example.com', EXAMPLE_HTTP_AUTHORIZATION: 'Bearer hunter2' } })).toBe(
      'param "exampleHttpEnvironment.EXAMPLE_HTTP_AUTHORIZATION" is a credential given as a plain value, which would be packaged in plain text (the value is not shown): use EXAMPLE_HTTP_AUTHORIZATION_REF with "ssm:<parameter>" or "secretsmanager:<secret>[#<json key>]" (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
    expect(await refused(prometheus({ PROM_RW_BEARER_TOKEN: 'hunter2' }))).toMatch(/PROM_RW_BEARER_TOKEN" is a credential .*use PROM_RW_BEARER_TOKEN_REF/);
    expect(await refused(prometheus({ PROM_RW_API_KEY: 'hunter2' }))).toMatch(/give it by reference instead \(PROM_RW_BASIC_PASSWORD_REF, PROM_RW_BEARER_TOKEN_REF, PROM_RW_HEADERS_REF/);
    expect(await refused(prometheus({ AWS_SECRET_ACCESS_KEY: 'hunter2' }))).toMatch(/AWS_SECRET_ACCESS_KEY" is reserved by Lambda/);
    // PROM_RW_AUTH is a mode, not a credential.
    await expect(generateFunctions(ctx({ ...fixture(), ...prometheus({ PROM_RW_AUTH: 'sigv4' }) }))).resolves.toHaveProperty('prometheus');
  });

  it('names credential-like headers by a documented rule', () => {
    const yes = ['Authorization', 'proxy-authorization', 'X-Api-Key', 'api-key', 'apikey', 'X_API_KEY', 'X-Auth-Token', 'token', 'Client-Secret', 'X-Password', 'Cookie', 'X-Amz-Security-Token', 'Ocp-Apim-Subscription-Key', 'X-Credentials'];
    const no = ['X-Scope-OrgID', 'X-Prometheus-Remote-Write-Version', 'Content-Type', 'X-Tenant', 'Accept', 'X-Keyspace', 'Monkey-Wrench'];
    expect(yes.filter((h) => !isCredentialName(h))).toEqual([]);
    expect(no.filter((h) => isCredentialName(h))).toEqual([]);
  });

  it("lists, per consumer, exactly the _REF variables its loader reads", () => {
    expect(CONSUMERS.map((c) => c.functionKey)).toEqual(expect.arrayContaining(['example-http', 'prometheus', 'statsd']));
    for (const c of CONSUMERS) {
      const source = readFileSync(new URL(`functions/consumers/${c.functionKey}/config.ts`, ROOT), 'utf8');
      const read = [...new Set([...source.matchAll(/'([A-Z0-9_]+_REF)'/g)].map((m) => m[1]!))].sort();
      expect([c.key, [...c.secrets.refVariables].sort()]).toEqual([c.key, read]);
    }
  });
});

describe('StatsD in Lambda: nothing listens on 127.0.0.1:8125 unless the Datadog Lambda extension runs beside it', () => {
  const EXTENSION = 'arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension-ARM:77';
  const EXTENSION_X86 = 'arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:77';
  const KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:datadog-api-key-AbCdEf';
  const statsd = (env: Record<string, string>, layers?: unknown) => ({ statsdEnabled: true, statsdEnvironment: env, ...(layers === undefined ? {} : { statsdLayers: layers }) });
  type Role = { Properties: { Policies: { PolicyDocument: { Statement: { Sid?: string; Action: unknown; Resource: unknown }[] } }[] } };
  const secretStatementsOf = async (params: Record<string, unknown>) => {
    const role = (await generateResources(ctx({ ...fixture(), ...params }))).Resources.StatsdRole as Role;
    return role.Properties.Policies[0]!.PolicyDocument.Statement.filter((st) => ['ReadSecrets', 'ReadParameters', 'DecryptSecrets'].includes(st.Sid ?? '')).map((st) => [st.Action, st.Resource]);
  };

  it('refuses UDP or TCP to a loopback host without the extension, on one line pointing to both ways out', async () => {
    const message = await failure(statsd({}));
    expect(message).toBe(
      'param "statsdEnvironment.STATSD_HOST" would make function "statsd" fail at every cold start: Environment variable STATSD_HOST is 127.0.0.1, but nothing listens on 127.0.0.1:8125 in a Lambda function unless the Datadog Lambda extension runs beside it: add it with statsdLayers: [arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension-ARM:<version>] and its API key by reference (DD_API_KEY_SECRET_ARN or DD_API_KEY_SSM_NAME in statsdEnvironment); or use the datadog consumer (datadogEnabled: true, docs/datadog.md), which sends over Datadog\'s HTTP API and is acknowledged; set statsdEnvironment.STATSD_HOST, or statsdEnabled: false (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
    expect(message).not.toContain('\n');
    expect(await failure(statsd({ STATSD_PROTOCOL: 'tcp', STATSD_HOST: 'localhost', STATSD_PORT: '9125' }))).toMatch(
      /^param "statsdEnvironment.STATSD_HOST" would make .*STATSD_HOST is localhost, but nothing listens on localhost:9125 in a Lambda function unless .*statsdLayers: .*datadogEnabled: true/,
    );
    expect(await failure(statsd({ STATSD_HOST: '::1' }))).toMatch(/STATSD_HOST is ::1, but nothing listens on \[::1\]:8125 .*DD_API_KEY_SECRET_ARN or DD_API_KEY_SSM_NAME/);
    // A layer that is not the extension does not listen either; nor does a key reference without the layer.
    expect(await failure(statsd({ DD_API_KEY_SECRET_ARN: KEY_ARN }, ['arn:aws:lambda:us-east-1:123456789012:layer:my-tools:3']))).toMatch(/STATSD_HOST is 127.0.0.1, but nothing listens/);
  });

  it('packages with the extension layer and its API key by reference, and the role reads exactly that secret or parameter', async () => {
    const withSecret = statsd({ DD_API_KEY_SECRET_ARN: KEY_ARN, DD_SITE: 'datadoghq.eu' }, [EXTENSION]);
    const fns = (await generateFunctions(ctx({ ...fixture(), ...withSecret }))) as Record<string, Fn & { layers?: string[] }>;
    expect(fns.statsd!.layers).toEqual([EXTENSION]);
    expect(fns.statsd!.environment).toEqual({ DD_API_KEY_SECRET_ARN: KEY_ARN, DD_SITE: 'datadoghq.eu', PIPELINE_METRICS: 'true' });
    expect(await secretStatementsOf(withSecret)).toEqual([['secretsmanager:GetSecretValue', [KEY_ARN]]]);
    const withParameter = { ...statsd({ DD_API_KEY_SSM_NAME: '/datadog/api-key' }, [EXTENSION]), statsdKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k' };
    // The x86_64 layer would not start beside the arm64 functions.
    expect(await failure(statsd({ DD_API_KEY_SSM_NAME: '/datadog/api-key' }, [EXTENSION_X86]))).toMatch(/^param "statsdEnvironment.STATSD_HOST" .*its x86_64 layer, which does not run beside the arm64 functions: use arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension-ARM:<version>/);
    expect(await secretStatementsOf(withParameter)).toEqual([
      ['ssm:GetParameter', [{ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/datadog/api-key' }]],
      ['kms:Decrypt', 'arn:aws:kms:us-east-1:123456789012:key/k'],
    ]);
  });

  it('refuses the extension without its API key reference, over TCP, or with a key reference that is not one', async () => {
    expect(await failure(statsd({}, [EXTENSION]))).toBe(
      'param "statsdEnvironment.DD_API_KEY_SECRET_ARN" would make function "statsd" fail at every cold start: Environment variable DD_API_KEY_SECRET_ARN (or DD_API_KEY_SSM_NAME) must be set: the Datadog Lambda extension among statsdLayers needs its API key, by reference (DD_API_KEY_SECRET_ARN: a Secrets Manager secret\'s ARN; DD_API_KEY_SSM_NAME: an SSM parameter\'s name; a plain DD_API_KEY is refused), or it sends nothing; set statsdEnvironment.DD_API_KEY_SECRET_ARN, or statsdEnabled: false (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
    expect(await failure(statsd({ STATSD_PROTOCOL: 'tcp', DD_API_KEY_SECRET_ARN: KEY_ARN }, [EXTENSION]))).toMatch(/^param "statsdEnvironment.STATSD_PROTOCOL" .*must be udp with the Datadog Lambda extension, got "tcp"/);
    expect(await failure(statsd({ DD_API_KEY_SECRET_ARN: 'datadog-api-key' }, [EXTENSION]))).toMatch(/^param "statsdEnvironment.DD_API_KEY_SECRET_ARN" .*must be a Secrets Manager secret's ARN/);
    // Never a wildcard in the role.
    expect(await failure(statsd({ DD_API_KEY_SSM_NAME: '/datadog/*' }, [EXTENSION]))).toMatch(/^param "statsdEnvironment.DD_API_KEY_SSM_NAME" must be an SSM parameter's name or ARN, without a scheme, wildcard or space/);
  });

  it('refuses a plain DD_API_KEY, without showing it, pointing to the two references', async () => {
    const message = await failure(statsd({ DD_API_KEY: 'hunter2' }, [EXTENSION]));
    expect(message).not.toContain('hunter2');
    expect(message).toBe(
      'param "statsdEnvironment.DD_API_KEY" is a credential given as a plain value, which would be packaged in plain text (the value is not shown): give it by reference instead (DD_API_KEY_SECRET_ARN: a Secrets Manager secret\'s ARN; DD_API_KEY_SSM_NAME: an SSM parameter\'s name) (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
  });

  it('packages a host that is not loopback without any layer, and reads no secret then', async () => {
    const remote = statsd({ STATSD_HOST: '10.0.0.12' });
    const fns = (await generateFunctions(ctx({ ...fixture(), ...remote }))) as Record<string, Fn & { layers?: string[] }>;
    expect(fns.statsd!.layers).toBeUndefined();
    expect(await secretStatementsOf(remote)).toEqual([]);
  });

  it('<key>Layers: layer version ARNs in the stage\'s Region, a bad entry named by its index, on any consumer', async () => {
    expect(await failure(statsd({ DD_API_KEY_SECRET_ARN: KEY_ARN }, [EXTENSION, 'arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension-ARM']))).toBe(
      'param "statsdLayers[1]" must be a Lambda layer version ARN, arn:<partition>:lambda:<region>:<12-digit account>:layer:<name>:<version>, got "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension-ARM" (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
    expect(await failure(statsd({}, ['arn:aws:lambda:us-east-1:46462253201:layer:x:1']))).toMatch(/^param "statsdLayers\[0\]" must be a Lambda layer version ARN/);
    expect(await failure(statsd({}, [{ arn: EXTENSION }]))).toMatch(/^param "statsdLayers\[0\]" must be a Lambda layer version ARN, .*got an object/);
    expect(await failure(statsd({}, { a: 1 }))).toMatch(/^param "statsdLayers" must be a list of Lambda layer version ARNs, got an object/);
    expect(await failure(statsd({}, Array.from({ length: 6 }, (_, i) => `arn:aws:lambda:us-east-1:123456789012:layer:l${i}:1`)))).toMatch(/^param "statsdLayers" must list at most 5 layers/);
    expect(await failure(statsd({}, ['arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension-ARM:77']))).toMatch(
      /^param "statsdLayers\[0\]" is a layer of Region eu-west-1, but the function is deployed to us-east-1 \(param "region"\)/,
    );
    const layer = 'arn:aws-cn:lambda:cn-north-1:123456789012:layer:my_tools-2:12';
    const fns = (await generateFunctions(ctx({ ...fixture(), region: 'cn-north-1', exampleHttpEnabled: true, exampleHttpEnvironment: { EXAMPLE_HTTP_URL: 'https://m.example.com' }, exampleHttpLayers: [layer] }))) as Record<
      string,
      Fn & { layers?: string[] }
    >;
    expect(fns['example-http']!.layers).toEqual([layer]);
    expect(fns.forwarder).not.toHaveProperty('layers');
    // A disabled consumer's layers are not read.
    await expect(generateFunctions(ctx({ ...fixture(), statsdLayers: 'not an arn' }))).resolves.not.toHaveProperty('statsd');
  });
});

describe('valid settings still package', () => {
  const everything = {
    ...fixture(),
    subscribeNewLogGroups: true,
    subscribeLogGroupPrefixes: ['/aws/lambda/shop-'],
    streamMode: 'PROVISIONED',
    streamShardCount: 2,
    ...prometheus({ PROM_RW_AUTH: 'basic', PROM_RW_BASIC_USERNAME: 'u', PROM_RW_BASIC_PASSWORD_REF: 'ssm:/p', PROM_RW_DIMENSION_MODE: 'union', PROM_RW_HEADERS: '{"X-Scope-OrgID":"a"}' }),
    statsdEnabled: true,
    statsdEnvironment: { STATSD_HOST: 'statsd.internal.example.com', STATSD_PROTOCOL: 'tcp', STATSD_STYLE: 'statsd' },
    exampleHttpEnabled: true,
    exampleHttpEnvironment: { EXAMPLE_HTTP_URL: 'https://metrics.example.com/ingest', EXAMPLE_HTTP_AUTHORIZATION_REF: 'secretsmanager:ingest#authorization', CONSUMER_MAX_RETRIES: '3' },
    recordCompression: 'gzip',
    logLevel: 'DEBUG',
  };

  it('every function, with its environment as given and the forwarder as before', async () => {
    const fns = (await generateFunctions(ctx(everything))) as Record<string, Fn>;
    expect(Object.keys(fns)).toEqual(['forwarder', 'example-http', 'prometheus', 'statsd', 'new-log-group']);
    expect(fns.forwarder).toEqual({
      handler: 'functions/forwarder/handler.handler',
      description: 'emf-fanout forwarder (CloudWatch Logs subscription → Kinesis)',
      role: 'ForwarderRole',
      memorySize: 512,
      timeout: 60,
      environment: {
        KINESIS_STREAM_NAME: { Ref: 'EmfStream' },
        PIPELINE_METRICS: 'true',
        PLATFORM_METRICS: 'true',
        PLATFORM_NAMESPACE: 'EmfFanout/Lambda',
        RECORD_COMPRESSION: 'gzip',
        RECORD_TARGET_BYTES: '',
        MAX_DECOMPRESSED_BYTES: '33554432',
        EXCLUDE_LOG_GROUPS: '/aws/lambda/emf-fanout-*',
      },
    });
    expect(fns['example-http']!.environment).toEqual({ ...everything.exampleHttpEnvironment, PIPELINE_METRICS: 'true' });
    expect(Object.values(fns).map((f) => f.reservedConcurrency)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(Object.keys((await generateResources(ctx(everything))).Resources)).toContain('PrometheusRole');
  });

  it('reserved concurrency per function: an integer of at least 1, unset or empty for none', async () => {
    const fns = (await generateFunctions(
      ctx({ ...everything, forwarderReservedConcurrency: 50, prometheusReservedConcurrency: '4', statsdReservedConcurrency: '', newLogGroupReservedConcurrency: 1 }),
    )) as Record<string, Fn>;
    expect(Object.fromEntries(Object.entries(fns).map(([k, f]) => [k, f.reservedConcurrency]))).toEqual({
      forwarder: 50,
      'example-http': undefined,
      prometheus: 4,
      statsd: undefined,
      'new-log-group': 1,
    });
    expect(await failure({ forwarderReservedConcurrency: 0 })).toBe(
      `param "forwarderReservedConcurrency" must be an integer of at least 1 (or '' for none), got 0 (config/params.yml, or the file named by EMF_FANOUT_PARAMS)`,
    );
    expect(await failure({ ...everything, exampleHttpReservedConcurrency: 2.5 })).toMatch(/^param "exampleHttpReservedConcurrency" must be an integer of at least 1 \(or '' for none\), got 2.5/);
    // A disabled consumer's settings are not read.
    await expect(generateFunctions(ctx({ ...fixture(), statsdReservedConcurrency: 'x' }))).resolves.not.toHaveProperty('statsd');
  });
});
