/**
 * Authentication on the wire: a local receiver checks what an authenticating remote-write
 * endpoint checks. SigV4 is verified the way Amazon Managed Service for Prometheus does it, with
 * the independent reference implementation (itself checked against AWS's published example).
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';
import { createSecretResolver } from '../../../shared/secrets/secretResolver.ts';
import { loadPrometheusConfig } from '../../../functions/consumers/prometheus/config.ts';
import { createPrometheusProvider } from '../../../functions/consumers/prometheus/PrometheusProvider.ts';
import { startScriptedReceiver, type ScriptedReceiver } from '../../helpers/prometheusReceiver.ts';
import { verifySigV4 } from '../../helpers/prometheusSigv4.ts';

const ssm = mockClient(SSMClient);
const sm = mockClient(SecretsManagerClient);
let rx: ScriptedReceiver;
beforeEach(async () => {
  rx = await startScriptedReceiver();
});
afterEach(async () => {
  await rx.close();
  ssm.reset();
  sm.reset();
});
afterAll(() => {
  ssm.restore();
  sm.restore();
});

const secrets = () => createSecretResolver({ ssm: new SSMClient({ region: 'eu-west-1' }), secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }) });
const datum: MetricDatum = {
  namespace: 'Auth',
  name: 'Hits',
  unit: 'Count',
  storageResolution: 60,
  timestamp: Date.now(),
  value: 1,
  dimensions: {},
  directiveDimensions: {},
  properties: {},
  source: { account: '111122223333', region: 'eu-west-1', logGroup: 'g', logStream: 's', eventId: 'e', origin: 'emf' },
};
// Samples mode: each `send` is one request, so a test reads its answer straight from `send`. The cumulative mode
// writes at `flush` through the same request path (cumulative.test.ts).
const send = async (env: Record<string, string>, deps = {}) => {
  const p = await createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: rx.url, PROM_RW_MODE: 'samples', ...env }), { secrets: secrets(), ...deps });
  return p.send([datum], { deadline: Date.now() + 10_000, logger: createMemoryLogger(), signal: new AbortController().signal, invocation: {} });
};

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' };

describe('remote-write authentication', () => {
  it('SigV4 (service aps): the receiver verifies the signature over the request it actually got', async () => {
    let verdict: string | undefined = 'not called';
    rx.answer = (r) => {
      verdict = verifySigV4({ method: r.method, url: r.url, headers: r.headers, body: r.body, credentials: CREDS, region: 'eu-west-1', service: 'aps' });
      return verdict === undefined ? { status: 204 } : { status: 403, body: verdict };
    };
    const result = await send({ PROM_RW_AUTH: 'sigv4', PROM_RW_SIGV4_REGION: 'eu-west-1', PROM_RW_HEADERS: '{"X-Scope-OrgID":"t1"}' }, { credentials: CREDS });
    expect(verdict).toBeUndefined();
    expect(result).toEqual({ status: 'success' });
    expect(rx.requests[0]!.headers['x-amz-security-token']).toBe('session-token');
    expect(rx.requests[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aps\/aws4_request, SignedHeaders=[^,]*x-scope-orgid/);
  });

  it('SigV4 with the wrong secret key is refused by the verifying receiver (the check is real)', async () => {
    rx.answer = (r) => {
      const v = verifySigV4({ method: r.method, url: r.url, headers: r.headers, body: r.body, credentials: CREDS, region: 'eu-west-1', service: 'aps' });
      return v === undefined ? { status: 204 } : { status: 403, body: v };
    };
    const result = await send({ PROM_RW_AUTH: 'sigv4', PROM_RW_SIGV4_REGION: 'eu-west-1' }, { credentials: { ...CREDS, secretAccessKey: 'not-the-key' } });
    expect(result).toMatchObject({ status: 'failure', reason: 'prometheus_unauthorized', error: { message: expect.stringContaining('signature does not match') } });
  });

  it('basic auth with the password from Secrets Manager (JSON key)', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'prom/writer' }).resolves({ SecretString: '{"password":"pa:ss wörd"}' });
    const result = await send({ PROM_RW_AUTH: 'basic', PROM_RW_BASIC_USERNAME: 'writer', PROM_RW_BASIC_PASSWORD_REF: 'secretsmanager:prom/writer#password' });
    expect(result).toEqual({ status: 'success' });
    const header = rx.requests[0]!.headers.authorization!;
    expect(header.startsWith('Basic ')).toBe(true);
    expect(Buffer.from(header.slice(6), 'base64').toString('utf8')).toBe('writer:pa:ss wörd');
  });

  it('bearer token from SSM, extra headers plain and from a secret; fetched once per provider (container)', async () => {
    ssm.on(GetParameterCommand, { Name: '/prom/token' }).resolves({ Parameter: { Value: 'tok-123\n' } });
    ssm.on(GetParameterCommand, { Name: '/prom/headers' }).resolves({ Parameter: { Value: '{"X-Api-Key":"k-9"}' } });
    const p = await createPrometheusProvider(
      loadPrometheusConfig({ PROM_RW_URL: rx.url, PROM_RW_MODE: 'samples', PROM_RW_AUTH: 'bearer', PROM_RW_BEARER_TOKEN_REF: 'ssm:/prom/token', PROM_RW_HEADERS: '{"X-Scope-OrgID":"tenant-1"}', PROM_RW_HEADERS_REF: 'ssm:/prom/headers' }),
      { secrets: secrets() },
    );
    const ctx = { deadline: Date.now() + 10_000, logger: createMemoryLogger(), signal: new AbortController().signal, invocation: {} };
    expect(await p.send([datum], ctx)).toEqual({ status: 'success' });
    expect(await p.send([{ ...datum, timestamp: datum.timestamp + 1 }], ctx)).toEqual({ status: 'success' });
    for (const r of rx.requests) {
      expect(r.headers).toMatchObject({ authorization: 'Bearer tok-123', 'x-scope-orgid': 'tenant-1', 'x-api-key': 'k-9', 'content-encoding': 'snappy' });
    }
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('a failed re-fetch after a 401 is retryable, and the next attempt fetches the secret again', async () => {
    ssm.on(GetParameterCommand).resolvesOnce({ Parameter: { Value: 'old' } }).rejectsOnce(new Error('ThrottlingException')).resolves({ Parameter: { Value: 'new' } });
    rx.answer = (r) => (r.headers.authorization === 'Bearer new' ? { status: 204 } : { status: 401 });
    const p = await createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: rx.url, PROM_RW_MODE: 'samples', PROM_RW_AUTH: 'bearer', PROM_RW_BEARER_TOKEN_REF: 'ssm:/t' }), { secrets: secrets() });
    const ctx = { deadline: Date.now() + 10_000, logger: createMemoryLogger(), signal: new AbortController().signal, invocation: {} };
    const data = [datum];
    const first = await p.send(data, ctx);
    expect(first).toMatchObject({ status: 'retryable', error: { message: expect.stringContaining('ThrottlingException') } });
    expect(await p.send(data, ctx)).toEqual({ status: 'success' });
    expect(rx.requests.map((r) => r.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);
  });

  it('a headers secret may not override the protocol headers', async () => {
    ssm.on(GetParameterCommand, { Name: '/prom/headers' }).resolves({ Parameter: { Value: '{"Content-Encoding":"gzip"}' } });
    await expect(
      createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: rx.url, PROM_RW_MODE: 'samples', PROM_RW_HEADERS_REF: 'ssm:/prom/headers' }), { secrets: secrets() }),
    ).rejects.toMatchObject({ name: 'ConfigError', variable: 'PROM_RW_HEADERS_REF' });
  });

  it('a bearer token that cannot be a header value fails at cold start', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'abc\r\nX-Injected: 1' } });
    await expect(
      createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: rx.url, PROM_RW_MODE: 'samples', PROM_RW_AUTH: 'bearer', PROM_RW_BEARER_TOKEN_REF: 'ssm:/prom/token' }), { secrets: secrets() }),
    ).rejects.toMatchObject({ name: 'SecretError', reason: 'secret_invalid', message: expect.not.stringContaining('abc') });
  });

  it('a secret that cannot be read fails at cold start, naming the reference', async () => {
    ssm.on(GetParameterCommand).rejects(new Error('AccessDeniedException'));
    await expect(
      createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: rx.url, PROM_RW_MODE: 'samples', PROM_RW_AUTH: 'bearer', PROM_RW_BEARER_TOKEN_REF: 'ssm:/prom/token' }), { secrets: secrets() }),
    ).rejects.toMatchObject({ name: 'SecretError', reason: 'secret_unavailable', message: expect.stringContaining('ssm:/prom/token') });
  });
});
