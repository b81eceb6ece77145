import { describe, expect, it } from 'vitest';
import { isLoopbackHost, loadStatsdConfig } from '../../../functions/consumers/statsd/config.ts';
import { consumer } from '../../../functions/consumers/statsd/consumer.ts';
import { ConfigError } from '../../../shared/errors.ts';

/** The variable a bad environment is rejected for. */
function rejected(env: Record<string, string>): string | undefined {
  try {
    loadStatsdConfig(env);
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err.message).toContain(err.variable);
    return err.variable;
  }
}

describe('loadStatsdConfig', () => {
  it('defaults: DogStatsD over UDP to the Datadog Lambda extension (127.0.0.1:8125)', () => {
    const c = loadStatsdConfig({});
    expect(c.transport).toEqual({
      protocol: 'udp',
      host: '127.0.0.1',
      port: 8125,
      socketPath: '/var/run/datadog/dsd.socket',
      maxDatagramBytes: 8192,
      timeoutMs: 5000,
      clientTelemetry: false,
    });
    expect(c.serialise).toMatchObject({
      style: 'dogstatsd',
      prefix: '',
      namespaceInName: true,
      globalTags: [],
      propertyTags: [],
      sourceTags: [],
      timeType: 'distribution',
      valueType: 'gauge',
      overrides: [],
      timestamps: false,
      sampleCounts: 'rate',
      maxRepeat: 1000,
    });
    expect(c.maxBatchSize).toBe(1000);
    expect(Object.isFrozen(c) && Object.isFrozen(c.serialise) && Object.isFrozen(c.transport)).toBe(true);
  });

  it('datagram size: 8192 on loopback and UDS, 1432 over a network, or as configured', () => {
    expect(loadStatsdConfig({ STATSD_HOST: 'localhost' }).transport.maxDatagramBytes).toBe(8192);
    expect(loadStatsdConfig({ STATSD_HOST: '127.0.0.53' }).transport.maxDatagramBytes).toBe(8192);
    expect(loadStatsdConfig({ STATSD_HOST: '::1' }).transport.maxDatagramBytes).toBe(8192);
    expect(loadStatsdConfig({ STATSD_PROTOCOL: 'uds' }).transport.maxDatagramBytes).toBe(8192);
    expect(loadStatsdConfig({ STATSD_HOST: '10.0.3.7' }).transport.maxDatagramBytes).toBe(1432);
    expect(loadStatsdConfig({ STATSD_HOST: 'statsd.internal', STATSD_PROTOCOL: 'tcp' }).transport.maxDatagramBytes).toBe(1432);
    expect(loadStatsdConfig({ STATSD_MAX_DATAGRAM_BYTES: '4096' }).transport.maxDatagramBytes).toBe(4096);
  });

  it('loopback hosts: localhost, 127.0.0.0/8 and ::1, nothing else', () => {
    expect(['localhost', '127.0.0.1', '127.0.0.53', '127.255.255.254', '::1'].filter((h) => !isLoopbackHost(h))).toEqual([]);
    expect(['10.0.3.7', '128.0.0.1', '127.example.com', 'localhost.example.com', '::2', '0.0.0.0', 'statsd.internal'].filter(isLoopbackHost)).toEqual([]);
  });

  it('the cold start sends to 127.0.0.1 as before; only packaging asks who listens there in Lambda', () => {
    expect(() => loadStatsdConfig({})).not.toThrow();
    const deploy = { region: 'eu-west-1', bundleExcludes: ['unix-dgram'], layers: [] };
    const refusal = (() => {
      try {
        consumer.validate({}, deploy);
        return undefined;
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(refusal).toBeInstanceOf(ConfigError);
    expect([refusal!.variable, refusal!.message]).toEqual(['STATSD_HOST', expect.stringContaining('arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension-ARM:<version>')]);
    const extension = { ...deploy, layers: ['arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension-ARM:77'] };
    expect(() => consumer.validate({ DD_API_KEY_SSM_NAME: 'datadog-api-key' }, extension)).not.toThrow();
    expect(() => consumer.validate({ STATSD_HOST: 'statsd.internal' }, deploy)).not.toThrow();
  });

  it('Telegraf and plain StatsD default to timings (they have no distributions)', () => {
    expect(loadStatsdConfig({ STATSD_STYLE: 'telegraf' }).serialise.timeType).toBe('timing');
    expect(loadStatsdConfig({ STATSD_STYLE: 'statsd' }).serialise.timeType).toBe('timing');
  });

  it('parses global tags (split at the first colon), lists and overrides', () => {
    const c = loadStatsdConfig({
      STATSD_GLOBAL_TAGS: 'env:prod, url:http://x:1',
      STATSD_PROPERTY_TAGS: 'requestId,tier',
      STATSD_SOURCE_TAGS: 'account,log_group',
      STATSD_TYPE_OVERRIDES: '*Latency=histogram, Orders=gauge',
    });
    expect(c.serialise.globalTags).toEqual([['env', 'prod'], ['url', 'http://x:1']]);
    expect(c.serialise.propertyTags).toEqual(['requestId', 'tier']);
    expect(c.serialise.sourceTags).toEqual(['account', 'log_group']);
    expect(c.serialise.overrides.map((o) => [o.pattern, o.type])).toEqual([['*Latency', 'histogram'], ['Orders', 'gauge']]);
  });

  it.each([
    [{ STATSD_PROTOCOL: 'http' }, 'STATSD_PROTOCOL'],
    [{ STATSD_STYLE: 'graphite' }, 'STATSD_STYLE'],
    [{ STATSD_PORT: '0' }, 'STATSD_PORT'],
    [{ STATSD_PORT: '8125x' }, 'STATSD_PORT'],
    [{ STATSD_PREFIX: '1app' }, 'STATSD_PREFIX'],
    [{ STATSD_PREFIX: 'app.' }, 'STATSD_PREFIX'],
    [{ STATSD_PREFIX: 'my-app' }, 'STATSD_PREFIX'],
    [{ STATSD_TIMESTAMPS: 'true', STATSD_STYLE: 'statsd' }, 'STATSD_TIMESTAMPS'],
    [{ STATSD_TIMESTAMPS: 'true', STATSD_STYLE: 'telegraf' }, 'STATSD_TIMESTAMPS'],
    [{ STATSD_TIMESTAMPS: 'maybe' }, 'STATSD_TIMESTAMPS'],
    [{ STATSD_SOURCE_TAGS: 'account,host' }, 'STATSD_SOURCE_TAGS'],
    [{ STATSD_GLOBAL_TAGS: 'env' }, 'STATSD_GLOBAL_TAGS'],
    [{ STATSD_GLOBAL_TAGS: 'env:' }, 'STATSD_GLOBAL_TAGS'],
    [{ STATSD_GLOBAL_TAGS: ':prod' }, 'STATSD_GLOBAL_TAGS'],
    [{ STATSD_TYPE_OVERRIDES: 'Latency' }, 'STATSD_TYPE_OVERRIDES'],
    [{ STATSD_TYPE_OVERRIDES: 'Latency=set' }, 'STATSD_TYPE_OVERRIDES'],
    [{ STATSD_TYPE_OVERRIDES: '=gauge' }, 'STATSD_TYPE_OVERRIDES'],
    [{ STATSD_TIME_TYPE: 'gauge' }, 'STATSD_TIME_TYPE'],
    [{ STATSD_VALUE_TYPE: 'timing' }, 'STATSD_VALUE_TYPE'],
    [{ STATSD_SAMPLE_COUNTS: 'all' }, 'STATSD_SAMPLE_COUNTS'],
    [{ STATSD_MAX_REPEAT: '0' }, 'STATSD_MAX_REPEAT'],
    [{ STATSD_MAX_DATAGRAM_BYTES: '100' }, 'STATSD_MAX_DATAGRAM_BYTES'],
    [{ STATSD_MAX_DATAGRAM_BYTES: '16384', STATSD_PROTOCOL: 'uds' }, 'STATSD_MAX_DATAGRAM_BYTES'],
    [{ STATSD_TIMEOUT_MS: '0' }, 'STATSD_TIMEOUT_MS'],
    [{ STATSD_MAX_BATCH_SIZE: '0' }, 'STATSD_MAX_BATCH_SIZE'],
    [{ STATSD_CLIENT_TELEMETRY: 'sometimes' }, 'STATSD_CLIENT_TELEMETRY'],
    [{ STATSD_NAMESPACE_IN_NAME: 'nope' }, 'STATSD_NAMESPACE_IN_NAME'],
  ])('rejects %o naming %s', (env, variable) => {
    expect(rejected(env)).toBe(variable);
  });
});
