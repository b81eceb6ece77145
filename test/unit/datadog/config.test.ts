/** The Datadog consumer's settings: every bad value names its variable at cold start (and at `npm run package`). */
import { describe, expect, it } from 'vitest';
import { loadDatadogConfig } from '../../../functions/consumers/datadog/config.ts';

const KEY = { DD_API_KEY_REF: 'secretsmanager:datadog/api-key#key' };

describe('loadDatadogConfig', () => {
  it('defaults: distributions to the US1 site, the key by reference', () => {
    const c = loadDatadogConfig(KEY);
    expect(c.baseUrl).toBe('https://api.datadoghq.com');
    expect(c.apiKey).toMatchObject({ source: 'secretsmanager', id: 'datadog/api-key', jsonKey: 'key' });
    expect(c.translate).toMatchObject({ mode: 'distributions', maxPointAgeSeconds: 3600, maxRequestBytes: 500_000, intervalSeconds: 60 });
  });

  it.each([
    ['datadoghq.eu', 'https://api.datadoghq.eu'],
    ['us3', 'https://api.us3.datadoghq.com'],
    ['US5.datadoghq.com', 'https://api.us5.datadoghq.com'],
    ['ap1', 'https://api.ap1.datadoghq.com'],
    ['gov', 'https://api.ddog-gov.com'],
  ])('DD_SITE=%s → %s', (site, url) => {
    expect(loadDatadogConfig({ ...KEY, DD_SITE: site }).baseUrl).toBe(url);
  });

  it('DD_URL replaces the site (a proxy or a compatible receiver), without credentials', () => {
    expect(loadDatadogConfig({ ...KEY, DD_URL: 'http://127.0.0.1:8080/dd/' }).baseUrl).toBe('http://127.0.0.1:8080/dd');
    expect(() => loadDatadogConfig({ ...KEY, DD_URL: 'https://x', DD_SITE: 'eu' })).toThrow(/DD_URL and DD_SITE are both set/);
    expect(() => loadDatadogConfig({ ...KEY, DD_URL: 'https://u:p@x' })).toThrow(/DD_URL must be a base URL without credentials/);
    // The key is a header: plain http only to this machine.
    expect(() => loadDatadogConfig({ ...KEY, DD_URL: 'http://proxy.internal:8080' })).toThrow(/DD_URL must be https .*got http:\/\/proxy.internal:8080/);
    expect(loadDatadogConfig({ ...KEY, DD_URL: 'http://localhost:8126' }).baseUrl).toBe('http://localhost:8126');
    expect(loadDatadogConfig({ ...KEY, DD_URL: 'http://[::1]:8126' }).baseUrl).toBe('http://[::1]:8126');
    expect(loadDatadogConfig({ ...KEY, DD_URL: 'https://proxy.internal:8443' }).baseUrl).toBe('https://proxy.internal:8443');
  });

  it.each([
    [{}, /DD_API_KEY_REF/],
    [{ DD_API_KEY_REF: 'abcdef0123456789' }, /DD_API_KEY_REF must be a secret reference .*value is not shown/],
    [{ ...KEY, DD_SITE: 'datadoghq.org' }, /DD_SITE must be one of/],
    [{ ...KEY, DD_MODE: 'gauges' }, /DD_MODE/],
    [{ ...KEY, DD_TYPE_OVERRIDES: 'Latency=histogram' }, /DD_TYPE_OVERRIDES .*distribution, count, gauge/],
    [{ ...KEY, DD_GLOBAL_TAGS: 'host:web-1' }, /DD_GLOBAL_TAGS must not set "host"/],
    [{ ...KEY, DD_GLOBAL_TAGS: 'env' }, /DD_GLOBAL_TAGS entries must be key:value/],
    [{ ...KEY, DD_WRITER_TAG: 'Writer' }, /DD_WRITER_TAG must be a lower-case tag key/],
    [{ ...KEY, DD_PREFIX: '1app' }, /DD_PREFIX/],
    [{ ...KEY, DD_SOURCE_TAGS: 'host' }, /DD_SOURCE_TAGS/],
    [{ ...KEY, DD_MAX_REQUEST_BYTES: '600000' }, /DD_MAX_REQUEST_BYTES/],
    [{ ...KEY, DD_MAX_POINT_AGE_SECONDS: '10' }, /DD_MAX_POINT_AGE_SECONDS/],
  ])('%j is refused, naming the variable', (env, message) => {
    expect(() => loadDatadogConfig(env as Record<string, string>)).toThrow(message);
  });
});
