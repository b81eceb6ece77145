/**
 * `npm run package` (`sls package`, osls, offline) refuses the settings that used to package and
 * then fail every cold start, unknown params, and credentials in plain values: the real CLI,
 * the real params file handling (EMF_FANOUT_PARAMS, `default:` merged with the stage), the real
 * generator. Each run fails during variable resolution, before anything is bundled.
 * (test/unit/infra/packageChecks.test.ts covers the rules in depth, without the CLI.)
 */
import { describe, expect, it } from 'vitest';
import { paramsWith, slsPackage } from './template.ts';

const PROM_URL = 'https://prom.example.com/api/v1/write';

/** The packaging's error output, which must name the param and never show the secret. */
async function packagingError(overrides: Record<string, unknown>): Promise<string> {
  const message = await slsPackage('dev', paramsWith(overrides)).then(
    () => 'packaged without an error',
    (e: Error) => e.message,
  );
  expect(message).not.toContain('hunter2');
  return message;
}

describe('npm run package refuses settings that would fail every invocation', () => {
  it.each([
    ['recordCompression: zip', { recordCompression: 'zip' }, 'param "recordCompression" would make function "forwarder" fail at every cold start: Environment variable RECORD_COMPRESSION must be one of brotli, gzip, none, got "zip"'],
    [
      'prometheusEnabled without PROM_RW_URL',
      { prometheusEnabled: true },
      'param "prometheusEnvironment.PROM_RW_URL" would make function "prometheus" fail at every cold start: Environment variable PROM_RW_URL is required; set prometheusEnvironment.PROM_RW_URL, or prometheusEnabled: false',
    ],
    [
      'PROM_RW_DIMENSION_MODE: perset',
      { prometheusEnabled: true, prometheusEnvironment: { PROM_RW_URL: PROM_URL, PROM_RW_DIMENSION_MODE: 'perset' } },
      'param "prometheusEnvironment.PROM_RW_DIMENSION_MODE" would make function "prometheus" fail at every cold start: Environment variable PROM_RW_DIMENSION_MODE must be one of per-set, union, got "perset"',
    ],
    [
      'statsdEnabled with its defaults, UDP to 127.0.0.1:8125, where nothing listens in Lambda without the Datadog extension',
      { statsdEnabled: true },
      'param "statsdEnvironment.STATSD_HOST" would make function "statsd" fail at every cold start: Environment variable STATSD_HOST is 127.0.0.1, but nothing listens on 127.0.0.1:8125 in a Lambda function unless the Datadog Lambda extension runs beside it: add it with statsdLayers: [arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension-ARM:<version>]',
    ],
    ['a layer that is not a layer version ARN', { exampleHttpEnabled: true, exampleHttpLayers: ['arn:aws:lambda:us-east-1:123456789012:layer:tools'] }, 'param "exampleHttpLayers[0]" must be a Lambda layer version ARN'],
    ['streamMode: ONDEMAND', { streamMode: 'ONDEMAND' }, 'param "streamMode" must be one of ON_DEMAND, PROVISIONED, got "ONDEMAND"'],
    ['pipelineMetrics: yes', { pipelineMetrics: 'yes' }, 'param "pipelineMetrics" must be true or false, got "yes"'],
    ['a misspelled key', { recordCompresion: 'gzip' }, 'unknown param "recordCompresion" in section "default:" (did you mean "recordCompression"?)'],
    [
      'a consumer that is not registered',
      { acmeMetricsEnabled: true },
      'unknown param "acmeMetricsEnabled" in section "default:" (no consumer "acme-metrics" is registered: functions/consumers/acme-metrics/consumer.ts is missing; npm run new-provider acme-metrics writes a consumer with it, docs/providers.md)',
    ],
    [
      'credentials in PROM_RW_URL',
      { prometheusEnabled: true, prometheusEnvironment: { PROM_RW_URL: 'https://user:hunter2@prom.example.com/api/v1/write' } },
      'param "prometheusEnvironment.PROM_RW_URL" is a URL with credentials in its user info (user:password@), which would be packaged in plain text (the value is not shown): give credentials by reference: PROM_RW_AUTH=basic with PROM_RW_BASIC_USERNAME and PROM_RW_BASIC_PASSWORD_REF',
    ],
    [
      'an API key in PROM_RW_HEADERS',
      { prometheusEnabled: true, prometheusEnvironment: { PROM_RW_URL: PROM_URL, PROM_RW_HEADERS: '{"X-Scope-OrgID":"a","X-Api-Key":"hunter2"}' } },
      'param "prometheusEnvironment.PROM_RW_HEADERS" sets the credential-like header "X-Api-Key" in plain text (the value is not shown): put headers with credentials in a secret and name it in PROM_RW_HEADERS_REF',
    ],
  ])('%s', async (_, overrides, expected) => {
    const message = await packagingError(overrides);
    expect(message).toContain(expected);
    expect(message).toContain('(config/params.yml, or the file named by EMF_FANOUT_PARAMS)');
    // The message, not a stack trace.
    expect(message).not.toMatch(/\n\s+at /);
  }, 60_000);
});
