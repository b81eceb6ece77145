import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/consumers/example-http/config.ts';
import { defaultSafetyMarginMs, loadConsumerConfig } from '../../../shared/consumer/config.ts';
import { ConfigError } from '../../../shared/errors.ts';

describe('loadConsumerConfig', () => {
  it('has defaults and no fixed margin when nothing is set', () => {
    expect(loadConsumerConfig({})).toEqual({ retry: { retries: 8, minTimeoutMs: 100, maxTimeoutMs: 5_000, factor: 2, randomize: true }, dedupDocuments: 100_000 });
  });
  it('reads every CONSUMER_* variable', () => {
    const c = loadConsumerConfig({ CONSUMER_SAFETY_MARGIN_MS: '750', CONSUMER_MAX_RETRIES: '3', CONSUMER_RETRY_MIN_DELAY_MS: '20', CONSUMER_RETRY_MAX_DELAY_MS: '400', CONSUMER_DEDUP_DOCUMENTS: '0' });
    expect(c).toEqual({ safetyMarginMs: 750, retry: { retries: 3, minTimeoutMs: 20, maxTimeoutMs: 400, factor: 2, randomize: true }, dedupDocuments: 0 });
  });
  it.each([
    ['CONSUMER_SAFETY_MARGIN_MS', '-5'],
    ['CONSUMER_MAX_RETRIES', 'many'],
    ['CONSUMER_RETRY_MIN_DELAY_MS', '1.5'],
    ['CONSUMER_DEDUP_DOCUMENTS', '-1'],
    ['CONSUMER_DEDUP_DOCUMENTS', '10000001'],
  ])('throws a ConfigError naming %s for %j', (variable, value) => {
    expect(() => loadConsumerConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConsumerConfig({ [variable]: value })).toThrow(variable);
  });
  it('rejects a max delay below the min delay', () => {
    expect(() => loadConsumerConfig({ CONSUMER_RETRY_MIN_DELAY_MS: '500', CONSUMER_RETRY_MAX_DELAY_MS: '100' })).toThrow('CONSUMER_RETRY_MAX_DELAY_MS');
  });
  it('default margin: 10 % of the remaining time, at most 3 s', () => {
    expect([defaultSafetyMarginMs(3_000), defaultSafetyMarginMs(60_000), defaultSafetyMarginMs(900_000)]).toEqual([300, 3_000, 3_000]);
  });
});

describe('example-http loadConfig', () => {
  it('requires EXAMPLE_HTTP_URL', () => {
    expect(() => loadConfig({})).toThrow(/EXAMPLE_HTTP_URL is required/);
  });
  it.each(['not a url', 'ftp://host/x'])('rejects EXAMPLE_HTTP_URL=%j', (url) => {
    expect(() => loadConfig({ EXAMPLE_HTTP_URL: url })).toThrow(ConfigError);
  });
  it('reads the optional settings', () => {
    expect(loadConfig({ EXAMPLE_HTTP_URL: 'https://m.example.com/in', EXAMPLE_HTTP_MAX_BATCH_SIZE: '50', EXAMPLE_HTTP_TIMEOUT_MS: '2000', EXAMPLE_HTTP_AUTHORIZATION_REF: 'ssm:/example/auth' })).toEqual({
      url: 'https://m.example.com/in',
      maxBatchSize: 50,
      timeoutMs: 2_000,
      authorizationRef: { source: 'ssm', name: '/example/auth', text: 'ssm:/example/auth' },
    });
  });
  it('takes the authorization only by reference: a pasted value fails at cold start', () => {
    expect(() => loadConfig({ EXAMPLE_HTTP_URL: 'http://h/', EXAMPLE_HTTP_AUTHORIZATION_REF: 'Bearer s3cret' })).toThrow('EXAMPLE_HTTP_AUTHORIZATION_REF');
  });
  it('rejects EXAMPLE_HTTP_MAX_BATCH_SIZE=0', () => {
    expect(() => loadConfig({ EXAMPLE_HTTP_URL: 'http://h/', EXAMPLE_HTTP_MAX_BATCH_SIZE: '0' })).toThrow('EXAMPLE_HTTP_MAX_BATCH_SIZE');
  });
});
