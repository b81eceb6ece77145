/**
 * Registers the StatsD / DogStatsD consumer with `npm run package` (infra/serverless/registry.ts
 * finds this file): deployed where config/params.yml sets `statsdEnabled: true`, with
 * `statsdEnvironment` as its environment and `statsdLayers` as its layers.
 *
 * In Lambda nothing listens on a loopback address unless an extension runs beside the function, so
 * packaging refuses UDP or TCP to loopback (the default, 127.0.0.1:8125) without the Datadog Lambda
 * extension and its API key by reference: over UDP every metric would be lost without an error.
 * The handler itself does not check this (`npm start` sends to a local daemon on 127.0.0.1).
 */
import { optionalString, type Env } from '../../../shared/config/env.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { isLoopbackHost, loadStatsdConfig } from './config.ts';

/** The Datadog Lambda extension's arm64 layer (the functions run on arm64), published by Datadog's account 464622532012. */
const DATADOG_EXTENSION_LAYER = 'Datadog-Extension-ARM';
/** Its x86_64 layer: it would not start beside an arm64 function. */
const DATADOG_EXTENSION_X86_LAYER = 'Datadog-Extension';

/** The extension reads its API key from the Secrets Manager secret of this ARN… */
const SECRET_ARN_VARIABLE = 'DD_API_KEY_SECRET_ARN';
/** …or from the SSM parameter of this name. */
const SSM_NAME_VARIABLE = 'DD_API_KEY_SSM_NAME';

const SECRET_ARN = /^arn:aws(?:-[a-z]+)*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const SSM_NAME = /^(?:arn:aws(?:-[a-z]+)*:ssm:[a-z0-9-]+:\d{12}:parameter)?[A-Za-z0-9_./-]{1,2048}$/;

/** What `npm run package` tells `validate` about the deployment (infra/serverless/coldStart.ts `DeployContext`). */
interface Deploy {
  region: string;
  /** The modules the Lambda bundles leave out (infra/esbuild.yml). */
  bundleExcludes: readonly string[];
  /** The function's layer version ARNs (`statsdLayers`). */
  layers: readonly string[];
}

/** `arn:aws:lambda:<region>:<account>:layer:<name>:<version>` → `<name>`. */
const layerName = (arn: string): string => arn.split(':')[6] ?? '';

/** The extension's API key settings, checked when set: a Secrets Manager ARN, an SSM parameter name. */
function apiKeyReference(env: Env): string | undefined {
  const secretArn = optionalString(env, SECRET_ARN_VARIABLE);
  if (secretArn !== undefined && !SECRET_ARN.test(secretArn)) {
    throw new ConfigError(SECRET_ARN_VARIABLE, "must be a Secrets Manager secret's ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name> (the value is not shown)");
  }
  const ssmName = optionalString(env, SSM_NAME_VARIABLE);
  if (ssmName !== undefined && !SSM_NAME.test(ssmName)) {
    throw new ConfigError(SSM_NAME_VARIABLE, "must be an SSM parameter's name (/path/name) or ARN, without a scheme (the value is not shown)");
  }
  return secretArn ?? ssmName;
}

export const consumer = {
  description: 'emf-fanout consumer: StatsD / DogStatsD',
  /** What the handler checks at cold start, and where its metrics can go in Lambda; run by `npm run package` on what it is about to deploy. */
  validate: (env: Env, deploy: Deploy): void => {
    const config = loadStatsdConfig(env);
    const { protocol, host, port } = config.transport;
    // The handler's StatsdProvider loads unix-dgram for uds at cold start; the bundle leaves it out.
    if (protocol === 'uds' && deploy.bundleExcludes.includes('unix-dgram')) {
      throw new ConfigError(
        'STATSD_PROTOCOL',
        `must be udp or tcp in Lambda, got "uds": the bundles leave out hot-shots' native dependency unix-dgram (exclude in infra/esbuild.yml), so the function cannot load it; the Datadog Lambda extension listens on UDP 127.0.0.1:8125`,
      );
    }
    const keyReference = apiKeyReference(env);
    if (protocol === 'uds' || !isLoopbackHost(host)) return;
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const extensionLayer = `arn:aws:lambda:${deploy.region}:464622532012:layer:Datadog-Extension-ARM:<version>`;
    if (deploy.layers.some((arn) => layerName(arn) === DATADOG_EXTENSION_X86_LAYER)) {
      throw new ConfigError('STATSD_HOST', `is ${host}, and the Datadog extension among statsdLayers is its x86_64 layer, which does not run beside the arm64 functions: use ${extensionLayer}`);
    }
    if (!deploy.layers.some((arn) => layerName(arn) === DATADOG_EXTENSION_LAYER)) {
      throw new ConfigError(
        'STATSD_HOST',
        `is ${host}, but nothing listens on ${address} in a Lambda function unless the Datadog Lambda extension runs beside it: add it with statsdLayers: [${extensionLayer}] and its API key by reference (${SECRET_ARN_VARIABLE} or ${SSM_NAME_VARIABLE} in statsdEnvironment); or use the datadog consumer (datadogEnabled: true, docs/datadog.md), which sends over Datadog's HTTP API and is acknowledged`,
      );
    }
    if (protocol === 'tcp') {
      throw new ConfigError('STATSD_PROTOCOL', `must be udp with the Datadog Lambda extension, got "tcp": its DogStatsD listens on UDP 127.0.0.1:8125 only`);
    }
    if (keyReference === undefined) {
      throw new ConfigError(
        SECRET_ARN_VARIABLE,
        `(or ${SSM_NAME_VARIABLE}) must be set: the Datadog Lambda extension among statsdLayers needs its API key, by reference (${SECRET_ARN_VARIABLE}: a Secrets Manager secret's ARN; ${SSM_NAME_VARIABLE}: an SSM parameter's name; a plain DD_API_KEY is refused), or it sends nothing`,
      );
    }
  },
  /**
   * It reads no secret itself; its own variables are `STATSD_*`, and the Datadog Lambda extension's
   * `DD_*` (its API key by reference only), whose secret the role may read.
   */
  secrets: {
    prefixes: ['STATSD_', 'DD_'],
    refVariables: [],
    extensionRefs: { [SECRET_ARN_VARIABLE]: 'secretsmanager', [SSM_NAME_VARIABLE]: 'ssm' },
  },
};
