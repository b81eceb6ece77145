import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { loadPrometheusConfig } from '../../../functions/consumers/prometheus/config.ts';

const URL_ = 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadPrometheusConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadPrometheusConfig', () => {
  it('defaults', () => {
    const c = loadPrometheusConfig({ PROM_RW_URL: URL_ });
    expect(c).toEqual({
      url: URL_,
      translate: {
        prefix: '',
        namespaceInName: true,
        nameCase: 'snake',
        dimensionMode: 'per-set',
        propertyLabels: [],
        sourceLabels: [],
        merge: 'auto',
        unitBase: 1024,
        maxSamplesPerRequest: 2000,
        maxRequestBytes: 1_048_576,
        mode: 'cumulative',
        cumulative: {
          writerLabel: 'emf_fanout_writer',
          typeOverrides: [],
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900],
          heartbeatMs: 60_000,
          idleExpiryMs: 900_000,
          maxSeries: 100_000,
        },
      },
      concurrency: 4,
      batchSize: 10_000,
      timeoutMs: 10_000,
      auth: { type: 'none' },
      headers: {},
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads every setting', () => {
    const c = loadPrometheusConfig({
      PROM_RW_URL: 'http://127.0.0.1:9090/api/v1/write',
      PROM_RW_PREFIX: 'emf',
      PROM_RW_NAMESPACE_IN_NAME: 'false',
      PROM_RW_NAME_CASE: 'preserve',
      PROM_RW_DIMENSION_MODE: 'union',
      PROM_RW_PROPERTY_LABELS: 'Version, Tier',
      PROM_RW_SOURCE_LABELS: 'region,log_group',
      PROM_RW_MERGE: 'max',
      PROM_RW_UNIT_BASE: '1000',
      PROM_RW_MAX_SAMPLES_PER_REQUEST: '500',
      PROM_RW_MAX_REQUEST_BYTES: '65536',
      PROM_RW_CONCURRENCY: '2',
      PROM_RW_BATCH_SIZE: '3000',
      PROM_RW_TIMEOUT_MS: '5000',
      PROM_RW_AUTH: 'basic',
      PROM_RW_BASIC_USERNAME: 'writer',
      PROM_RW_BASIC_PASSWORD_REF: 'secretsmanager:prom/writer#password',
      PROM_RW_HEADERS: '{"X-Scope-OrgID":"tenant-1"}',
      PROM_RW_HEADERS_REF: 'ssm:/prom/headers',
      PROM_RW_MODE: 'samples',
      PROM_RW_WRITER_LABEL: 'writer',
      PROM_RW_TYPE_OVERRIDES: '*Latency=summary, Queue?=counter',
      PROM_RW_HISTOGRAM_BUCKETS: '0.1, 1,1e1',
      PROM_RW_HEARTBEAT_SECONDS: '30',
      PROM_RW_IDLE_EXPIRY_SECONDS: '3600',
      PROM_RW_MAX_SERIES: '500',
    });
    expect(c.translate.cumulative.typeOverrides.map((o) => [o.pattern, o.type, o.regex.test('ApiLatency'), o.regex.test('Queue1')])).toEqual([
      ['*Latency', 'summary', true, false],
      ['Queue?', 'counter', false, true],
    ]);
    expect(c.translate).toEqual({
      mode: 'samples',
      cumulative: { writerLabel: 'writer', typeOverrides: expect.any(Array), buckets: [0.1, 1, 10], heartbeatMs: 30_000, idleExpiryMs: 3_600_000, maxSeries: 500 },
      prefix: 'emf',
      namespaceInName: false,
      nameCase: 'preserve',
      dimensionMode: 'union',
      propertyLabels: ['Version', 'Tier'],
      sourceLabels: ['region', 'log_group'],
      merge: 'max',
      unitBase: 1000,
      maxSamplesPerRequest: 500,
      maxRequestBytes: 65536,
    });
    expect(c.auth).toEqual({ type: 'basic', username: 'writer', password: { source: 'secretsmanager', id: 'prom/writer', jsonKey: 'password', text: 'secretsmanager:prom/writer#password' } });
    expect(c.headers).toEqual({ 'x-scope-orgid': 'tenant-1' });
    expect(c.headersRef).toEqual({ source: 'ssm', name: '/prom/headers', text: 'ssm:/prom/headers' });
    expect([c.concurrency, c.batchSize, c.timeoutMs]).toEqual([2, 3000, 5000]);
  });

  it('bearer and sigv4 (region from AWS_REGION, service aps)', () => {
    expect(loadPrometheusConfig({ PROM_RW_URL: URL_, PROM_RW_AUTH: 'bearer', PROM_RW_BEARER_TOKEN_REF: 'ssm:/t' }).auth).toEqual({
      type: 'bearer',
      token: { source: 'ssm', name: '/t', text: 'ssm:/t' },
    });
    expect(loadPrometheusConfig({ PROM_RW_URL: URL_, PROM_RW_AUTH: 'sigv4', AWS_REGION: 'eu-west-1' }).auth).toEqual({ type: 'sigv4', region: 'eu-west-1', service: 'aps' });
    expect(loadPrometheusConfig({ PROM_RW_URL: URL_, PROM_RW_AUTH: 'sigv4', AWS_REGION: 'eu-west-1', PROM_RW_SIGV4_REGION: 'us-east-2' }).auth).toMatchObject({ region: 'us-east-2' });
  });

  it.each([
    [{}, 'PROM_RW_URL'],
    [{ PROM_RW_URL: 'not a url' }, 'PROM_RW_URL'],
    [{ PROM_RW_URL: 'ftp://x/y' }, 'PROM_RW_URL'],
    [{ PROM_RW_URL: 'https://user:pw@x/y' }, 'PROM_RW_URL'],
    [{ PROM_RW_URL: URL_, PROM_RW_PREFIX: '1bad' }, 'PROM_RW_PREFIX'],
    [{ PROM_RW_URL: URL_, PROM_RW_DIMENSION_MODE: 'all' }, 'PROM_RW_DIMENSION_MODE'],
    [{ PROM_RW_URL: URL_, PROM_RW_SOURCE_LABELS: 'namespace,host' }, 'PROM_RW_SOURCE_LABELS'],
    [{ PROM_RW_URL: URL_, PROM_RW_UNIT_BASE: '1042' }, 'PROM_RW_UNIT_BASE'],
    [{ PROM_RW_URL: URL_, PROM_RW_MAX_REQUEST_BYTES: '100' }, 'PROM_RW_MAX_REQUEST_BYTES'],
    [{ PROM_RW_URL: URL_, PROM_RW_CONCURRENCY: '0' }, 'PROM_RW_CONCURRENCY'],
    [{ PROM_RW_URL: URL_, PROM_RW_AUTH: 'oauth' }, 'PROM_RW_AUTH'],
    [{ PROM_RW_URL: URL_, PROM_RW_AUTH: 'basic', PROM_RW_BASIC_PASSWORD_REF: 'ssm:/p' }, 'PROM_RW_BASIC_USERNAME'],
    [{ PROM_RW_URL: URL_, PROM_RW_AUTH: 'basic', PROM_RW_BASIC_USERNAME: 'u' }, 'PROM_RW_BASIC_PASSWORD_REF'],
    [{ PROM_RW_URL: URL_, PROM_RW_AUTH: 'bearer' }, 'PROM_RW_BEARER_TOKEN_REF'],
    [{ PROM_RW_URL: URL_, PROM_RW_AUTH: 'sigv4' }, 'PROM_RW_SIGV4_REGION'],
    [{ PROM_RW_URL: URL_, PROM_RW_MODE: 'deltas' }, 'PROM_RW_MODE'],
    [{ PROM_RW_URL: URL_, PROM_RW_WRITER_LABEL: '__writer' }, 'PROM_RW_WRITER_LABEL'],
    [{ PROM_RW_URL: URL_, PROM_RW_WRITER_LABEL: 'le' }, 'PROM_RW_WRITER_LABEL'],
    [{ PROM_RW_URL: URL_, PROM_RW_WRITER_LABEL: 'writer-id' }, 'PROM_RW_WRITER_LABEL'],
    [{ PROM_RW_URL: URL_, PROM_RW_TYPE_OVERRIDES: '*=timing' }, 'PROM_RW_TYPE_OVERRIDES'],
    [{ PROM_RW_URL: URL_, PROM_RW_TYPE_OVERRIDES: 'counter' }, 'PROM_RW_TYPE_OVERRIDES'],
    [{ PROM_RW_URL: URL_, PROM_RW_HISTOGRAM_BUCKETS: '1,0.5' }, 'PROM_RW_HISTOGRAM_BUCKETS'],
    [{ PROM_RW_URL: URL_, PROM_RW_HISTOGRAM_BUCKETS: '0.1,+Inf' }, 'PROM_RW_HISTOGRAM_BUCKETS'],
    [{ PROM_RW_URL: URL_, PROM_RW_HISTOGRAM_BUCKETS: '0.1,x' }, 'PROM_RW_HISTOGRAM_BUCKETS'],
    [{ PROM_RW_URL: URL_, PROM_RW_IDLE_EXPIRY_SECONDS: '60' }, 'PROM_RW_IDLE_EXPIRY_SECONDS'],
    [{ PROM_RW_URL: URL_, PROM_RW_HEARTBEAT_SECONDS: '7200', PROM_RW_IDLE_EXPIRY_SECONDS: '900' }, 'PROM_RW_IDLE_EXPIRY_SECONDS'],
    [{ PROM_RW_URL: URL_, PROM_RW_MAX_SERIES: '0' }, 'PROM_RW_MAX_SERIES'],
    [{ PROM_RW_URL: URL_, PROM_RW_HEADERS: '[1]' }, 'PROM_RW_HEADERS'],
    [{ PROM_RW_URL: URL_, PROM_RW_HEADERS: '{"Content-Type":"text/plain"}' }, 'PROM_RW_HEADERS'],
    [{ PROM_RW_URL: URL_, PROM_RW_HEADERS: '{"X-Prometheus-Remote-Write-Version":"2.0.0"}' }, 'PROM_RW_HEADERS'],
    [{ PROM_RW_URL: URL_, PROM_RW_HEADERS: '{"Authorization":"Bearer plain-text"}' }, 'PROM_RW_HEADERS'],
    [{ PROM_RW_URL: URL_, PROM_RW_HEADERS: '{"X-Amz-Date":"x"}' }, 'PROM_RW_HEADERS'],
    [{ PROM_RW_URL: URL_, PROM_RW_HEADERS: '{"X-A":"line\\nbreak"}' }, 'PROM_RW_HEADERS'],
    [{ PROM_RW_URL: URL_, PROM_RW_HEADERS_REF: '{"X-Api-Key":"k"}' }, 'PROM_RW_HEADERS_REF'],
  ])('%o fails naming %s', (env, variable) => {
    expect(errorOf(env as Record<string, string>).variable).toBe(variable);
  });

  it('a secret pasted where a reference belongs is refused without echoing it', () => {
    const err = errorOf({ PROM_RW_URL: URL_, PROM_RW_AUTH: 'bearer', PROM_RW_BEARER_TOKEN_REF: 'eyJhbGciOiJIUzI1NiJ9.secret' });
    expect(err.variable).toBe('PROM_RW_BEARER_TOKEN_REF');
    expect(err.message).not.toContain('eyJhbGciOiJIUzI1NiJ9');
  });
});
