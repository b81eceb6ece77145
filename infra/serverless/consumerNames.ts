/**
 * A consumer's name and the names derived from it. The name is its folder under
 * functions/consumers/ (`example-http`): the function key in serverless.yml, the Lambda function
 * `<service>-<stage>-<name>`, and, in camel case, the prefix of its params (`exampleHttpEnabled`).
 * The rules keep that mapping one-to-one, and every derived name within AWS's limits.
 */

/** Lower-case words of letters and digits joined by `-`, each word starting with a letter. */
const NAME = /^[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*$/;

/**
 * Longest name: the Lambda function `<service>-<stage>-<name>` may have 64 characters, and the
 * failure queue `<service>-<stage>-<name>-failures` 80; with the service `emf-fanout`, 32 leaves 20
 * for the stage.
 */
const MAX_NAME_LENGTH = 32;

/** Function keys the generator gives functions that are not consumers. */
const OTHER_FUNCTIONS = ['forwarder', 'new-log-group'];

/** `<params key><suffix>`: a consumer's params (paramKeys.ts). */
export const CONSUMER_PARAM_SUFFIXES = ['Enabled', 'EnhancedFanOut', 'KmsKeyArn', 'Environment', 'IamStatements', 'ReservedConcurrency', 'Layers'] as const;

/** `example-http` → `exampleHttp`: the prefix of the consumer's params. */
export function consumerParamsKey(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** `exampleHttp` → `example-http`: the inverse of `consumerParamsKey` for names that follow the rules. */
export function consumerNameOfKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `example-http` → `EXAMPLE_HTTP_`: the prefix of the consumer's environment variables. */
export function envPrefixOf(name: string): string {
  return `${name.toUpperCase().replace(/-/g, '_')}_`;
}

/** `example-http` → `ExampleHttp`: the start of its class names. */
export function pascalCaseOf(name: string): string {
  const key = consumerParamsKey(name);
  return key.charAt(0).toUpperCase() + key.slice(1);
}

/**
 * Why `name` cannot name a consumer, or undefined when it can. `globalParams`: the params that are
 * not a consumer's; a name whose params would be one of them (`stream` → `streamKmsKeyArn`) is refused.
 */
export function consumerNameProblem(name: string, globalParams: readonly string[]): string | undefined {
  if (!NAME.test(name)) {
    return `"${name}" is not a consumer name: use lower-case words of letters and digits joined by "-", each starting with a letter (e.g. acme-metrics)`;
  }
  if (name.length > MAX_NAME_LENGTH) return `"${name}" is too long for a consumer name: at most ${MAX_NAME_LENGTH} characters (it names the Lambda function and its queue)`;
  if (OTHER_FUNCTIONS.includes(name)) return `"${name}" is the name of another function of the deployment`;
  const key = consumerParamsKey(name);
  const clash = CONSUMER_PARAM_SUFFIXES.map((s) => `${key}${s}`).find((p) => globalParams.includes(p));
  if (clash !== undefined) return `"${name}" cannot name a consumer: its param "${clash}" is already a setting of the deployment`;
  return undefined;
}
