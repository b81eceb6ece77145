/**
 * The files `npm run new-provider <name>` writes: a working consumer that POSTs one JSON line per
 * datum to a URL, its registration, and its contract test with a stand-in receiver. The guide,
 * README.md#adding-a-provider and docs/providers.md, quotes them: test/unit/infra/providerDocs.test.ts
 * checks that every quoted block is what this writes, and test/integration/infra/providerGuide.test.ts
 * follows the README's steps on a copy of the repository.
 */
import { consumerParamsKey, envPrefixOf, pascalCaseOf } from '../serverless/consumerNames.ts';
import { CONSUMERS_DIR } from '../serverless/registry.ts';

export interface GeneratedFile {
  /** Relative to the repository. */
  path: string;
  /** What it is, for the generator's report. */
  role: string;
  text: string;
}

/** Where the contract tests of the consumers live. */
const CONTRACT_TEST_DIR = 'test/integration/consumer';

export function contractTestPath(name: string): string {
  return `${CONTRACT_TEST_DIR}/${name}.contract.test.ts`;
}

/** The file of the provider class, `<Name>Provider.ts`: the one to edit. */
export function providerPath(name: string): string {
  return `${CONSUMERS_DIR}/${name}/${pascalCaseOf(name)}Provider.ts`;
}

/** The files of consumer `name` (a valid consumer name, consumerNames.ts). */
export function providerFiles(name: string): GeneratedFile[] {
  const Name = pascalCaseOf(name);
  const key = consumerParamsKey(name);
  const ENV = envPrefixOf(name);
  const Provider = `${Name}Provider`;
  const Config = `${Name}Config`;
  const dir = `${CONSUMERS_DIR}/${name}`;
  return [
    {
      path: `${dir}/config.ts`,
      role: 'its settings (environment variables)',
      text: `/**
 * Settings of the ${name} provider: its function's environment (\`${key}Environment\` in
 * config/params.yml). Read once at cold start, and by \`npm run package\` before it packages the
 * function: a missing or bad value throws a ConfigError naming the variable.
 */
import { optionalInt, optionalString, requireHttpUrl, type Env } from '../../../shared/config/env.ts';
import { parseSecretRef, type SecretRef } from '../../../shared/secrets/secretRef.ts';

export interface ${Config} {
  /** \`${ENV}URL\`: where the data go (http or https). */
  url: string;
  /** \`${ENV}MAX_BATCH_SIZE\`: data per \`send\`, so per request. @default 500 */
  maxBatchSize: number;
  /** \`${ENV}TIMEOUT_MS\`: one request's timeout, within the invocation's deadline. @default 10000 */
  timeoutMs: number;
  /**
   * \`${ENV}AUTHORIZATION_REF\`: a secret reference (\`ssm:/path\`, \`secretsmanager:name[#key]\`) whose
   * value is sent as the Authorization header. Secrets are given by reference, never as values.
   */
  authorizationRef?: SecretRef;
}

export function loadConfig(env: Env): ${Config} {
  const ref = optionalString(env, '${ENV}AUTHORIZATION_REF');
  return {
    url: requireHttpUrl(env, '${ENV}URL').toString(),
    maxBatchSize: optionalInt(env, '${ENV}MAX_BATCH_SIZE', 500, { min: 1, max: 100_000 }),
    timeoutMs: optionalInt(env, '${ENV}TIMEOUT_MS', 10_000, { min: 1, max: 900_000 }),
    ...(ref === undefined ? {} : { authorizationRef: parseSecretRef(ref, '${ENV}AUTHORIZATION_REF') }),
  };
}
`,
    },
    {
      path: providerPath(name),
      role: "the provider: make send speak your backend's protocol",
      text: `/**
 * The ${name} provider. As written by \`npm run new-provider\`, it POSTs one JSON line per datum;
 * make \`toLine\` and \`send\` speak your backend's protocol (docs/providers.md).
 */
import { resultFromHttpStatus, resultFromNetworkError } from '../../../shared/consumer/http.ts';
import type { MetricDatum, Provider, SendContext, SendResult } from '../../../shared/consumer/types.ts';
import type { ${Config} } from './config.ts';

/** One datum in the backend's format: here a JSON line with what a metrics backend needs. */
function toLine(d: MetricDatum): string {
  return JSON.stringify({ namespace: d.namespace, name: d.name, unit: d.unit, timestamp: d.timestamp, value: d.value, dimensions: d.dimensions }) + '\\n';
}

export class ${Provider} implements Provider {
  readonly name = '${name}';
  readonly maxBatchSize: number;

  /** \`authorization\`: the value of the secret \`config.authorizationRef\` names, fetched at cold start (handler.ts). */
  constructor(
    private readonly config: ${Config},
    private readonly authorization?: string,
  ) {
    this.maxBatchSize = config.maxBatchSize;
  }

  /** Never throws: success; retryable (408, 429, 5xx, network errors), retried; failure (any other status), dropped with its reason. */
  async send(data: readonly MetricDatum[], ctx: SendContext): Promise<SendResult> {
    const body = data.map(toLine).join('');
    const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    try {
      const res = await fetch(this.config.url, {
        method: 'POST',
        headers,
        body,
        // Whichever comes first: the invocation's deadline, or this request's own timeout.
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
      // Read the body even on success: it frees the connection, and an error explains itself.
      return resultFromHttpStatus(res.status, res.headers.get('retry-after'), await res.text());
    } catch (err) {
      return resultFromNetworkError(err);
    }
  }
}
`,
    },
    {
      path: `${dir}/handler.ts`,
      role: 'the Lambda handler',
      text: `/**
 * The ${name} consumer's Lambda handler: Kinesis → ${Provider}. Its settings are read and checked,
 * and its Authorization secret fetched, once per container (cold start).
 */
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { createSecretResolver } from '../../../shared/secrets/secretResolver.ts';
import { ${Provider} } from './${Provider}.ts';
import { loadConfig } from './config.ts';

const config = loadConfig(process.env);
const authorization = config.authorizationRef === undefined ? undefined : await createSecretResolver().resolve(config.authorizationRef);

export const handler = createConsumerHandler(new ${Provider}(config, authorization));
`,
    },
    {
      path: `${dir}/consumer.ts`,
      role: 'its registration: what npm run package deploys',
      text: `/**
 * Registers the ${name} consumer with \`npm run package\` (infra/serverless/registry.ts finds this
 * file): deployed where config/params.yml sets \`${key}Enabled: true\`, with
 * \`${key}Environment\` as its environment.
 */
import type { Env } from '../../../shared/config/env.ts';
import { loadConfig } from './config.ts';

export const consumer = {
  description: 'emf-fanout consumer: ${name}',
  /** What the handler checks at cold start, run by \`npm run package\` on the environment it is about to deploy. */
  validate: (env: Env): void => {
    loadConfig(env);
  },
  /** How it takes credentials, for the plain-secret checks of \`npm run package\`. */
  secrets: {
    prefixes: ['${ENV}'],
    refVariables: ['${ENV}AUTHORIZATION_REF'],
    urlCredentials: { ${ENV}URL: 'give the Authorization header value by reference in ${ENV}AUTHORIZATION_REF' },
  },
};
`,
    },
    {
      path: contractTestPath(name),
      role: 'its contract test, with a stand-in receiver',
      text: `/**
 * The provider contract (shared/consumer/testing/providerContract.ts) for ${name}: real Kinesis
 * events through createConsumerHandler into ${Provider}, which sends to a stand-in for your
 * backend on 127.0.0.1. When \`send\` speaks your backend's protocol, make the stand-in read it
 * (or start the real thing, as test/integration/prometheus/ does).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { ${Provider} } from '../../../${dir}/${Provider}.ts';
import { loadConfig } from '../../../${dir}/config.ts';
import { datumKey } from '../../../shared/consumer/testing/contractBatch.ts';
import { describeProviderContract } from '../../../shared/consumer/testing/providerContract.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';

/** The stand-in receiver: keeps the lines of the requests it accepts, and answers \`status\`. */
const receiver = {
  url: '',
  status: 200,
  lines: [] as string[],
  server: createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (receiver.status < 300) receiver.lines.push(...body.split('\\n').filter((l) => l !== ''));
      res.writeHead(receiver.status).end();
    });
  }),
};

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.url = \`http://127.0.0.1:\${(receiver.server.address() as AddressInfo).port}/ingest\`;
});
afterAll(async () => {
  receiver.server.closeAllConnections();
  await new Promise((resolve) => receiver.server.close(resolve));
});

/** A received line's key: \`datumKey\` reads the fields every line carries (namespace, name, dimensions, timestamp, value). */
const keyOfLine = (line: string): string => datumKey(JSON.parse(line) as MetricDatum);

describeProviderContract({
  name: '${name}',
  makeProvider: () => new ${Provider}(loadConfig({ ${ENV}URL: receiver.url, ${ENV}MAX_BATCH_SIZE: '5' })),
  received: async () => receiver.lines.map(keyOfLine),
  keysOf: (d) => [datumKey(d)],
  reset: async () => {
    receiver.lines = [];
    receiver.status = 200;
  },
  // Real faults at the receiver: the provider must answer retryable to a 503, failure to a 400.
  receiverFaults: {
    retryable: async () => {
      receiver.status = 503;
      return async () => void (receiver.status = 200);
    },
    permanent: async () => {
      receiver.status = 400;
      return async () => void (receiver.status = 200);
    },
  },
});
`,
    },
  ];
}

