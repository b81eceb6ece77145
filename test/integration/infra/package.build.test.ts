/**
 * `sls package` builds the CloudFormation template offline: what it builds for the defaults and for a
 * deployment with everything enabled (deployments.ts), and its bundles run on Node 22 (Lambda's
 * nodejs22.x) against real parts. The template itself: package.iam.test.ts, package.template.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisEventFromRecords } from '../../../shared/consumer/testing/kinesisEvent.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';
import { recordDocumentTexts } from '../../../shared/record/documentTexts.ts';
import { decodeRecord } from '../../../shared/record/format.ts';
import { getFixtureLines } from '../../fixtures/generate.ts';
import type { FixtureLine } from '../../fixtures/types.ts';
import { splitIntoBatches } from '../../fixtures/subscription.ts';
import { startKinesalite, TEST_CREDENTIALS, type Kinesalite, type StreamRecord } from '../../helpers/kinesalite.ts';
import { startDatadogReceiver } from '../../helpers/datadogReceiver.ts';
import { startHttpReceiver } from '../../helpers/httpReceiver.ts';
import { node22 } from '../../helpers/node22.ts';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheus.ts';
import { CumulativeOracle, cumulativeMismatches } from '../../helpers/prometheusExpect.ts';
import { startStatsdDaemon, type StatsdDaemon } from '../../helpers/statsdDaemon.ts';
import { datumKey, expectedEmfData } from '../local/fixtureExpect.ts';
import { expectStatsd, expectStatsdHolds, statsdKeys } from '../local/statsdExpect.ts';
import { packageDefaults, packageFull } from './deployments.ts';
import { ofType, type Packaged } from './template.ts';
import { readZip } from './unzip.ts';

let defaults: Packaged;
let full: Packaged;

/** Writes the bundle of function `fn` from the full deployment's zip to `dir`; returns its path in the zip and on disk. */
function writeBundle(fn: string, dir: string): { entry: string; file: string } {
  const [entry, code] = [...readZip(join(full.dir, `${fn}.zip`)).entries()].find(([n]) => n.endsWith('.mjs'))!;
  const file = join(dir, `${fn}.mjs`);
  writeFileSync(file, code);
  return { entry, file };
}

beforeAll(async () => {
  defaults = await packageDefaults();
  full = await packageFull();
}, 240_000);

describe('npm run package: what gets built', () => {
  it('builds only enabled functions: one small ESM bundle each, Node 22 on arm64', () => {
    expect(defaults.zips).toEqual(['forwarder.zip']);
    expect(full.zips).toEqual(['datadog.zip', 'example-http.zip', 'forwarder.zip', 'metrics-scraper.zip', 'new-log-group.zip', 'prometheus.zip', 'statsd.zip']);
    for (const [, fn] of ofType(full.template, 'AWS::Lambda::Function')) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toMatch(/^functions\/.+\/handler\.handler$/);
    }
    const files = [...readZip(join(full.dir, 'prometheus.zip')).keys()].sort();
    expect(files).toEqual(['functions/consumers/prometheus/handler.mjs', 'functions/consumers/prometheus/handler.mjs.map']);
  });

  it('produces bundles that Node loads as ES modules and that export the handler', async () => {
    // The Datadog bundle reads its API key at cold start: from a local stand-in for SSM, answering GetParameter.
    const ssm = await startHttpReceiver();
    ssm.setFallback({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ Parameter: { Name: '/emf-fanout/datadog', Type: 'SecureString', Value: 'dd-key' } }) });
    const env: Record<string, Record<string, string>> = {
      forwarder: { KINESIS_STREAM_NAME: 's' },
      prometheus: { PROM_RW_URL: 'https://prom.example.com/api/v1/write' },
      datadog: { DD_API_KEY_REF: 'ssm:/emf-fanout/datadog', AWS_ENDPOINT_URL_SSM: new URL(ssm.url).origin },
      statsd: {},
      'example-http': { EXAMPLE_HTTP_URL: 'https://metrics.example.com/ingest' },
      'new-log-group': { DESTINATION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:f', FILTER_NAME: 'emf-fanout-ci', PIPELINE_LOG_GROUP_PREFIX: '/aws/lambda/emf-fanout-' },
      'metrics-scraper': { KINESIS_STREAM_NAME: 's', PIPELINE_LOG_GROUP_PREFIX: '/aws/lambda/emf-fanout-' },
    };
    const dir = mkdtempSync(join(tmpdir(), 'emf-bundles-'));
    for (const zip of full.zips) {
      const fn = zip.replace(/\.zip$/, '');
      const { entry, file } = writeBundle(fn, dir);
      const script = `const m = await import(${JSON.stringify(`file://${file}`)}); console.log(typeof m.handler); process.exit(0);`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', ...env[fn] },
      });
      expect(`${entry}: ${stdout.trim()}`).toBe(`${entry}: function`);
    }
    expect(ssm.requests.map((r) => JSON.parse(r.body) as unknown)).toEqual([{ Name: '/emf-fanout/datadog', WithDecryption: true }]);
    await ssm.close();
  }, 60_000);
});

describe('the bundles on Node 22, the major version of Lambda\'s nodejs22.x: forwarder → real Kinesis (kinesalite) → consumers → real receivers', () => {
  let k: Kinesalite;
  let daemon: StatsdDaemon;
  let prom: PrometheusServer;
  let lines: FixtureLine[];
  let records: StreamRecord[];
  let forwarderLogs: Record<string, unknown>[];

  /** Runs a function's bundle from the built zip on Node 22 (runBundle.mjs), one invocation per event. */
  async function runOnNode22(fn: string, events: unknown[], env: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), `emf-node22-${fn}-`));
    const bundle = writeBundle(fn, dir).file;
    writeFileSync(join(dir, 'events.json'), JSON.stringify(events));
    const runner = fileURLToPath(new URL('./runBundle.mjs', import.meta.url));
    const { stdout, stderr } = await promisify(execFile)(node22(), [runner, bundle, join(dir, 'events.json'), join(dir, 'results.json')], {
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { node: string; results: { ok?: unknown; error?: { name: string; message: string } }[] };
    // The functions' log lines (Powertools Logger: JSON, warnings and errors on stderr).
    const logs = `${stdout}${stderr}`.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    return { ...results, logs };
  }

  beforeAll(async () => {
    [k, daemon, prom, lines] = await Promise.all([startKinesalite(), startStatsdDaemon(), startPrometheus(), getFixtureLines()]);
    await k.createStream('node22', 1);
    // The forwarder bundle, on payloads of the real producers' lines, writes through its own SDK client.
    const batches = splitIntoBatches(lines, { maxEvents: 50 });
    const forwarded = await runOnNode22('forwarder', batches.map((b) => b.event), {
      KINESIS_STREAM_NAME: 'node22', AWS_ENDPOINT_URL_KINESIS: k.endpoint,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    });
    expect(forwarded.node).toMatch(/^v22\./);
    expect(forwarded.results.filter((r) => r.error !== undefined)).toEqual([]);
    forwarderLogs = forwarded.logs;
    records = await k.readAll('node22');
  }, 120_000);
  afterAll(async () => {
    await Promise.all([k?.close(), daemon?.dispose(), prom?.stop()]);
  });

  it('the bundles log one JSON summary line per invocation, with its request id and function name', () => {
    const summaries = forwarderLogs.filter((l) => l.message === 'forwarder batch');
    expect(summaries.map((l) => l.function_request_id)).toEqual(splitIntoBatches(lines, { maxEvents: 50 }).map((_, i) => `request-${i}`));
    for (const l of summaries) expect(l).toMatchObject({ level: 'INFO', service: 'emf-fanout', fn: 'forwarder', function_name: 'emf-fanout-node22' });
  });

  it('the forwarder wrote every EMF document of the producers, byte for byte', () => {
    const emf = records.flatMap((r) => {
      const texts = recordDocumentTexts(r.data);
      return decodeRecord(r.data).documents.flatMap((d, i) => (d.origin === 'emf' ? [texts[i]!] : []));
    });
    expect(emf.sort()).toEqual(lines.flatMap((l) => (l.expect.kind === 'emf' ? [l.expect.emf] : [])).sort());
  });

  it('the StatsD consumer delivers every metric the mapping table promises to the real statsd daemon', async () => {
    const delivered = await runOnNode22('statsd', [kinesisEventFromRecords(records.map((r) => r.data))], {
      STATSD_HOST: daemon.host, STATSD_PORT: String(daemon.udpPort), STATSD_STYLE: 'statsd', STATSD_TYPE_OVERRIDES: 'Samples=counter',
    });
    expect(delivered.node).toMatch(/^v22\./);
    expect(delivered.results).toEqual([{ ok: { batchItemFailures: [] } }]);

    // UDP: wait until the daemon has every key.
    const want = expectStatsd(lines, { Samples: 'counter' });
    let got = await daemon.read();
    for (let i = 0; i < 100 && [...want.present].some((key) => !statsdKeys(got).has(key)); i++) {
      await new Promise((r) => setTimeout(r, 50));
      got = await daemon.read();
    }
    expect(want.present.size).toBeGreaterThan(20);
    expectStatsdHolds(want, got);
    expect(got.counters['statsd.bad_lines_seen'], 'the daemon parsed every line').toBe(0);
  });

  it('the example HTTP consumer posts one JSON line per datum CloudWatch would publish, with Node 22\'s own fetch', async () => {
    const receiver = await startHttpReceiver();
    try {
      const delivered = await runOnNode22('example-http', [kinesisEventFromRecords(records.map((r) => r.data))], { EXAMPLE_HTTP_URL: receiver.url });
      expect(delivered.node).toMatch(/^v22\./);
      expect(delivered.results).toEqual([{ ok: { batchItemFailures: [] } }]);
      const data = receiver.acceptedLines().map((l) => JSON.parse(l) as MetricDatum);
      expect(data.filter((d) => d.source.origin === 'emf').map(datumKey).sort()).toEqual(expectedEmfData(lines));
    } finally {
      await receiver.close();
    }
  });

  it('the Datadog consumer reads its key from SSM and sends every observation as a distribution, valid by Datadog\'s schema, with Node 22\'s own fetch', async () => {
    const intake = await startDatadogReceiver();
    const ssm = await startHttpReceiver();
    ssm.setFallback({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ Parameter: { Name: '/dd', Type: 'SecureString', Value: intake.apiKey } }) });
    try {
      const delivered = await runOnNode22('datadog', [kinesisEventFromRecords(records.map((r) => r.data))], {
        DD_URL: intake.url, DD_API_KEY_REF: 'ssm:/dd', AWS_ENDPOINT_URL_SSM: new URL(ssm.url).origin,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      });
      expect(delivered.node).toMatch(/^v22\./);
      expect(delivered.results).toEqual([{ ok: { batchItemFailures: [] } }]);
      expect(intake.problems()).toEqual([]);
      // Every EMF observation of the producers (and the platform metrics of their REPORT lines) is one value.
      const values = [...intake.distributionValues().values()].flat().length;
      const observations = expectedEmfData(lines).length;
      expect(values).toBeGreaterThanOrEqual(observations);
      expect(intake.requests.every((r) => r.status === 202 && r.headers['content-encoding'] === 'deflate')).toBe(true);
    } finally {
      await Promise.all([intake.close(), ssm.close()]);
    }
  });

  it('the Prometheus consumer writes the cumulative series the documents promise to real Prometheus, with Node 22\'s own fetch', async () => {
    const delivered = await runOnNode22('prometheus', [kinesisEventFromRecords(records.map((r) => r.data))], { PROM_RW_URL: prom.remoteWriteUrl });
    expect(delivered.node).toMatch(/^v22\./);
    expect(delivered.results).toEqual([{ ok: { batchItemFailures: [] } }]);

    const oracle = new CumulativeOracle();
    for (const l of lines) if (l.expect.kind === 'emf') oracle.addDocument(l.expect.emf, l.timestamp);
    expect(oracle.values.size).toBeGreaterThan(20);
    expect(cumulativeMismatches(oracle, await prom.rawSeries('{__name__=~".+"}', '3h'))).toEqual([]);
  });
});

