/**
 * The consumers a deployment can have: every folder of functions/consumers/ with a `consumer.ts`
 * beside its `handler.ts`. Registering a consumer is that file and nothing else: the folder's name
 * is the function's (`example-http`), in camel case the prefix of its params (`exampleHttpEnabled`,
 * `exampleHttpEnvironment`, … all optional but `…Enabled: true` to deploy it), and the handler is
 * `handler.ts`'s `handler`. `consumer.ts` exports
 *
 *     export const consumer = {
 *       description: 'emf-fanout consumer: …',          // optional
 *       validate: (env: Env) => { loadConfig(env); },   // what its handler checks at cold start
 *       secrets: { prefixes: ['ACME_'], refVariables: ['ACME_TOKEN_REF'] },  // optional, see below
 *     };
 *
 * and imports nothing from infra/ (a function's folder is bundled without it), so its shape is
 * checked here, when `npm run package` loads it: a mistake is one line naming the file.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Env } from '../../shared/config/env.ts';
import { EmfFanoutError } from '../../shared/errors.ts';
import type { DeployContext, SecretSettings } from './coldStart.ts';
import { consumerNameProblem, consumerParamsKey, envPrefixOf } from './consumerNames.ts';
import { GLOBAL_PARAM_KEYS } from './paramKeys.ts';

export const CONSUMERS_DIR = 'functions/consumers';
const REPO_ROOT = join(import.meta.dirname, '../..');
const GUIDE = 'docs/providers.md';

export interface ConsumerSpec {
  /** The folder's name; the function key in serverless.yml: the Lambda is `<service>-<stage>-<functionKey>`. */
  functionKey: string;
  /** Params prefix (`prometheusEnabled`, `prometheusEnvironment`, …). */
  key: string;
  handler: string;
  description: string;
  /**
   * What the provider's handler validates at cold start, minus fetching secrets (its config loader);
   * throws ConfigError. The consumer core's `loadConsumerConfig` is run besides (consumers.ts).
   */
  validate(env: Env, d: DeployContext): void;
  /** How the provider takes credentials, for the plain-secret rules. */
  secrets: SecretSettings;
}

/** A consumer's folder or its consumer.ts is not what `npm run package` can deploy. */
export class RegistrationError extends EmfFanoutError {
  override readonly name = 'RegistrationError';
  constructor(where: string, problem: string) {
    super(`${where} ${problem} (${GUIDE})`, 'consumer_registration');
    // A mistake in the user's files, not a bug here: Serverless prints `error.stack`, which should be the message alone.
    this.stack = `${this.name}: ${this.message}`;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isStringMap = (v: unknown): v is Record<string, string> => isObject(v) && Object.values(v).every((x) => typeof x === 'string');
const isSourceMap = (v: unknown): boolean => isObject(v) && Object.values(v).every((x) => x === 'ssm' || x === 'secretsmanager');

const SECRETS_FIELDS: Record<keyof SecretSettings, (v: unknown) => boolean> = {
  prefixes: isStringList,
  refVariables: isStringList,
  headerVariables: isStringMap,
  urlCredentials: isStringMap,
  authorization: (v) => typeof v === 'string',
  extensionRefs: isSourceMap,
};
const SECRETS_TYPES: Record<keyof SecretSettings, string> = {
  prefixes: 'a list of strings',
  refVariables: 'a list of strings',
  headerVariables: 'a map of strings',
  urlCredentials: 'a map of strings',
  authorization: 'a string',
  extensionRefs: "a map of variable names to 'ssm' or 'secretsmanager'",
};
const FIELDS = ['description', 'validate', 'secrets'];

/** The spec of consumer `name` from its consumer.ts module; `file` names it in errors. */
export function specOf(name: string, module: unknown, file: string): ConsumerSpec {
  const c = isObject(module) ? module.consumer : undefined;
  const bad = (problem: string) => new RegistrationError(file, problem);
  if (!isObject(c)) throw bad('must export `consumer`, an object with `validate` (and optionally `description`, `secrets`)');
  const unknown = Object.keys(c).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) throw bad(`exports \`consumer\` with unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${FIELDS.join(', ')})`);
  if (typeof c.validate !== 'function') throw bad('must give `consumer.validate(env)`, the check its handler makes at cold start (e.g. `(env) => { loadConfig(env); }`)');
  if (c.description !== undefined && (typeof c.description !== 'string' || c.description.trim() === '')) throw bad('must give `consumer.description` as a non-empty string, or leave it out');
  const secrets = c.secrets ?? {};
  if (!isObject(secrets)) throw bad('must give `consumer.secrets` as an object, or leave it out');
  for (const [k, v] of Object.entries(secrets)) {
    const check = SECRETS_FIELDS[k as keyof SecretSettings] as ((v: unknown) => boolean) | undefined;
    if (check === undefined) throw bad(`exports \`consumer.secrets\` with the unknown field "${k}" (known: ${Object.keys(SECRETS_FIELDS).join(', ')})`);
    if (!check(v)) throw bad(`must give \`consumer.secrets.${k}\` as ${SECRETS_TYPES[k as keyof SecretSettings]}`);
  }
  const s = secrets as Partial<SecretSettings>;
  const validate = c.validate as (env: Env, d: DeployContext) => unknown;
  return {
    functionKey: name,
    key: consumerParamsKey(name),
    handler: `${CONSUMERS_DIR}/${name}/handler.handler`,
    description: typeof c.description === 'string' ? c.description : `emf-fanout consumer: ${name}`,
    validate: (env, d) => void validate(env, d),
    secrets: {
      // Every consumer also reads the consumer core's CONSUMER_* settings.
      prefixes: [...new Set([...(s.prefixes ?? [envPrefixOf(name)]), 'CONSUMER_'])],
      refVariables: s.refVariables ?? [],
      headerVariables: s.headerVariables ?? {},
      urlCredentials: s.urlCredentials ?? {},
      ...(s.authorization === undefined ? {} : { authorization: s.authorization }),
      ...(s.extensionRefs === undefined ? {} : { extensionRefs: s.extensionRefs }),
    },
  };
}

/**
 * An error's message on one line: its first line, and the next one too when the first only
 * announces it (esbuild's "Transform failed with 1 error:"); a code frame after that is left out.
 */
export function oneLine(e: unknown): string {
  // Without the colours a loader may put in its message.
  const message = (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).replace(/\x1b\[[0-9;]*m/g, '');
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return (lines[0]?.endsWith(':') && lines[1] !== undefined ? `${lines[0]} ${lines[1]}` : (lines[0] ?? '')).slice(0, 500);
}

/**
 * The registered consumers, by name. A folder with a handler.ts but no consumer.ts (or the other
 * way round) is refused: it looks like a consumer, and would otherwise be silently left out.
 *
 * @param root the repository (tests give another)
 */
export async function discoverConsumers(root: string = REPO_ROOT): Promise<ConsumerSpec[]> {
  const dir = join(root, CONSUMERS_DIR);
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const specs: ConsumerSpec[] = [];
  for (const name of names) {
    const where = `${CONSUMERS_DIR}/${name}`;
    const has = (f: string) => existsSync(join(dir, name, f));
    if (!has('consumer.ts') && !has('handler.ts')) continue;
    if (!has('consumer.ts')) throw new RegistrationError(where, 'has a handler.ts but no consumer.ts, which registers it for npm run package (npm run new-provider writes one)');
    if (!has('handler.ts')) throw new RegistrationError(where, 'has a consumer.ts but no handler.ts exporting the Lambda `handler`');
    const problem = consumerNameProblem(name, GLOBAL_PARAM_KEYS);
    if (problem !== undefined) throw new RegistrationError(where, `cannot be deployed: ${problem}; rename the folder`);
    const file = `${where}/consumer.ts`;
    let module: unknown;
    try {
      module = await import(pathToFileURL(join(dir, name, 'consumer.ts')).href);
    } catch (e) {
      throw new RegistrationError(file, `could not be loaded: ${oneLine(e)}`);
    }
    specs.push(specOf(name, module, file));
  }
  return specs;
}
