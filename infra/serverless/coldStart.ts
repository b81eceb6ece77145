/**
 * What `npm run package` checks in each function's environment before it is packaged, so a
 * setting that would fail every invocation, or put a credential in plain text into the
 * template, fails the packaging instead, naming the param:
 *
 * 1. `checkColdStart`: runs the function's own cold-start validation (its config loaders,
 *    e.g. `loadPrometheusConfig`, `loadConsumerConfig`) on the environment about to be
 *    packaged: the provider-level variables of serverless.yml, the function's, and the ones
 *    Lambda sets (`AWS_REGION`, …), with the generator's CloudFormation references (the stream
 *    name, the forwarder's ARN) replaced by the values they will have. Secret references are
 *    only parsed, as the loaders do; nothing is fetched.
 * 2. `checkPlainSecrets`, rule by rule (values are never shown in the messages):
 *    - a URL with credentials: user info (`https://user:pass@host`) or a query parameter with
 *      a credential-like name (`?api_key=…`), in any variable;
 *    - a credential-like header in a plain headers variable (`PROM_RW_HEADERS`);
 *    - a variable of the provider's own prefix whose name ends like a credential (`_TOKEN`,
 *      `_PASSWORD`, `_PASSWD`, `_SECRET`, `_AUTHORIZATION`, `_API_KEY`, `_APIKEY`, `_CREDENTIAL(S)`,
 *      `_COOKIE`) given as a value instead of a reference (`EXAMPLE_HTTP_AUTHORIZATION` instead
 *      of `EXAMPLE_HTTP_AUTHORIZATION_REF`);
 *    - a variable Lambda reserves (`AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, …): the deployment
 *      would be refused, and the keys would be in the template.
 *
 * Credential-like header and query parameter names: see `isCredentialName`.
 */
import type { Env } from '../../shared/config/env.ts';
import type { Cfn } from './iam.ts';
import { ParamError } from './params.ts';

/** What the generator knows about the deployment that the functions' environments depend on. */
export interface DeployContext {
  service: string;
  stage: string;
  region: string;
  /** `provider.environment` of serverless.yml (every function gets it; a function's own variables win). */
  providerEnvironment: Record<string, unknown>;
  /** Modules left out of every bundle (serverless-esbuild's `exclude`, infra/esbuild.yml). */
  bundleExcludes: readonly string[];
  /** The Lambda layer version ARNs of the function being checked (`<key>Layers` for a consumer; [] for the others). */
  layers: readonly string[];
}

/**
 * A header, query parameter or variable name that carries a credential when it has a value:
 * case-insensitive, `_` read as `-`, it contains `auth` (Authorization, Proxy-Authorization,
 * X-Auth-Token), `token`, `secret`, `passw` (password, passwd), `cookie`, `credential`,
 * `apikey` or `api-key`, or its last word is `key` (X-Functions-Key, Ocp-Apim-Subscription-Key).
 */
export function isCredentialName(name: string): boolean {
  const n = name.toLowerCase().replace(/_/g, '-');
  return /auth|token|secret|passw|cookie|credential|api-?key|(^|-)key$/.test(n);
}

/** Variables Lambda sets itself and refuses in a function's configuration. */
const LAMBDA_RESERVED_VARIABLES: readonly string[] = [
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
];

/** How a provider's environment gives credentials, for the pointers in the messages. */
export interface SecretSettings {
  /** Prefixes of the provider's own variables (`PROM_RW_`). */
  prefixes: readonly string[];
  /** The reference variables its loader reads (`PROM_RW_BEARER_TOKEN_REF`, …). */
  refVariables: readonly string[];
  /** Plain headers variables → the reference variable to use for credentials instead. */
  headerVariables: Readonly<Record<string, string>>;
  /** URL variables → how to give the URL's credentials instead. */
  urlCredentials: Readonly<Record<string, string>>;
  /** How the provider sends an Authorization header (the pointer for a plain `Authorization` header). */
  authorization?: string;
  /**
   * Variables that hold, as a plain name or ARN, a secret something beside the function reads (a Lambda
   * extension's API key: `DD_API_KEY_SECRET_ARN`), and where it lives: the role may read exactly that one.
   */
  extensionRefs?: Readonly<Record<string, 'ssm' | 'secretsmanager'>>;
}

const SCHEME_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

/** True when `value` is a URL with user info, or with a query parameter named like a credential. */
function urlCarriesCredentials(value: string): 'userinfo' | 'query' | undefined {
  const v = value.trim();
  if (!SCHEME_URL.test(v)) return undefined;
  // The authority ends at the first "/", "?" or "#" after "//"; an "@" in it separates user info
  // (checked on the text, so that a URL that does not even parse is refused without being echoed).
  const authority = v.slice(v.indexOf('//') + 2).split(/[/?#]/, 1)[0]!;
  if (authority.includes('@')) return 'userinfo';
  const q = v.indexOf('?');
  if (q < 0) return undefined;
  const query = v.slice(q + 1).split('#', 1)[0]!;
  for (const pair of query.split('&')) {
    let name = pair.split('=', 1)[0]!;
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // keep the raw name
    }
    if (isCredentialName(name)) return 'query';
  }
  return undefined;
}

/** A provider's own variable that names a credential: `…_TOKEN`, `…_PASSWORD`, `…_SECRET`, `…_AUTHORIZATION`, `…_API_KEY`, … */
const CREDENTIAL_VARIABLE = /_(TOKEN|PASSWORD|PASSWD|SECRET|AUTHORIZATION|API_?KEY|CREDENTIALS?|COOKIE)$/i;

/**
 * Refuses credentials given as plain values in a function's environment (from the params key
 * `param`, e.g. `prometheusEnvironment`). Runs before the loaders: a loader may echo a value it
 * cannot parse.
 */
export function checkPlainSecrets(param: string, env: Readonly<Record<string, string>>, s: SecretSettings): void {
  const syntax = '"ssm:<parameter>" or "secretsmanager:<secret>[#<json key>]"';
  const ways = [
    ...(s.refVariables.length > 0 ? [`${s.refVariables.join(', ')}: ${syntax}`] : []),
    ...Object.entries(s.extensionRefs ?? {}).map(([v, where]) => `${v}: ${where === 'ssm' ? "an SSM parameter's name" : "a Secrets Manager secret's ARN"}`),
  ];
  const byReference = ways.length > 0 ? `give it by reference instead (${ways.join('; ')})` : 'this function reads no secret reference: remove it';
  for (const [variable, value] of Object.entries(env)) {
    const name = `${param}.${variable}`;
    if (LAMBDA_RESERVED_VARIABLES.includes(variable)) {
      throw new ParamError(name, 'is reserved by Lambda (the runtime sets it, and Lambda refuses a function that sets it): remove it; the function uses its role, never keys');
    }
    const inUrl = urlCarriesCredentials(value);
    if (inUrl) {
      const how = s.urlCredentials[variable] ?? byReference;
      const what = inUrl === 'userinfo' ? 'credentials in its user info (user:password@)' : 'a credential-like query parameter';
      throw new ParamError(name, `is a URL with ${what}, which would be packaged in plain text (the value is not shown): ${how}`);
    }
    const refVariable = s.headerVariables[variable];
    if (refVariable !== undefined) {
      for (const header of headerNames(value)) {
        if (!isCredentialName(header)) continue;
        const auth = /authorization/i.test(header) && s.authorization ? `, or use ${s.authorization}` : '';
        throw new ParamError(
          name,
          `sets the credential-like header "${header}" in plain text (the value is not shown): put headers with credentials in a secret and name it in ${refVariable} (${syntax}; the secret is a JSON object of headers)${auth}`,
        );
      }
    }
    if (s.prefixes.some((p) => variable.startsWith(p)) && !variable.endsWith('_REF') && CREDENTIAL_VARIABLE.test(variable) && value.trim() !== '') {
      const ref = `${variable}_REF`;
      throw new ParamError(
        name,
        `is a credential given as a plain value, which would be packaged in plain text (the value is not shown): ${s.refVariables.includes(ref) ? `use ${ref} with ${syntax}` : byReference}`,
      );
    }
  }
}

/** Header names of a JSON object; nothing when the text is not one (the loader then says so). */
function headerNames(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v) : [];
  } catch {
    return [];
  }
}

/** The value a variable set by the generator as a CloudFormation reference will have. */
function standIn(variable: string, value: Cfn, d: DeployContext): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  const json = JSON.stringify(value);
  // infra/resources/stream.yml names the stream `${self:service}-${sls:stage}`.
  if (json === JSON.stringify({ Ref: 'EmfStream' })) return `${d.service}-${d.stage}`;
  if (json === JSON.stringify({ 'Fn::GetAtt': ['ForwarderLambdaFunction', 'Arn'] })) {
    return `arn:aws:lambda:${d.region}:123456789012:function:${d.service}-${d.stage}-forwarder`;
  }
  throw new Error(`coldStart.ts has no package-time value for ${variable}=${json}`);
}

export interface ColdStartCheck {
  /** Function key (`forwarder`, `prometheus`, …). */
  functionKey: string;
  /** The function's `environment:` as packaged. */
  environment: Readonly<Record<string, Cfn>>;
  /** The params key a variable comes from, for the message. */
  paramOf(variable: string): string;
  /** Added when the variable is not set at all (e.g. how to set it, or to disable the function). */
  whenUnset?(variable: string): string;
  /** The function's cold-start validation: throws ConfigError naming the variable. */
  validate(env: Env): void;
}

/** A ConfigError, by its name and `variable` (the loaders may come from another copy of shared/errors.ts). */
export function isConfigError(e: unknown): e is Error & { variable: string } {
  return e instanceof Error && e.name === 'ConfigError' && typeof (e as { variable?: unknown }).variable === 'string';
}

/** The environment the function will see in Lambda. */
function lambdaEnvironment(c: Pick<ColdStartCheck, 'functionKey' | 'environment'>, d: DeployContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.providerEnvironment)) {
    // A provider-level CloudFormation value other than those the generator knows: not checked.
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') env[k] = String(v);
  }
  for (const [k, v] of Object.entries(c.environment)) env[k] = standIn(k, v, d);
  const functionName = `${d.service}-${d.stage}-${c.functionKey}`;
  return {
    ...env,
    AWS_REGION: d.region,
    AWS_DEFAULT_REGION: d.region,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
  };
}

/** Runs the function's cold-start validation on what will be deployed; a failure names the param. */
export function checkColdStart(c: ColdStartCheck, d: DeployContext): void {
  const env = lambdaEnvironment(c, d);
  try {
    c.validate(env);
  } catch (e) {
    if (!isConfigError(e)) throw e;
    const message = `would make function "${c.functionKey}" fail at every cold start: ${e.message}`;
    if (!(e.variable in c.environment) && e.variable in d.providerEnvironment) {
      throw new ParamError(`provider.environment.${e.variable}`, message, 'serverless.yml');
    }
    const unset = (env[e.variable] ?? '').trim() === '';
    const hint = unset && c.whenUnset ? `; ${c.whenUnset(e.variable)}` : '';
    throw new ParamError(c.paramOf(e.variable), `${message}${hint}`);
  }
}
