/**
 * Secret references. Credentials are never put in environment variables as plain text (they
 * would sit in `serverless.yml`, the CloudFormation template and the Lambda console); a variable
 * holds a *reference* instead, resolved at cold start:
 *
 * - `ssm:/path/to/parameter`            SSM Parameter Store (SecureString decrypted)
 * - `ssm:arn:aws:ssm:…:parameter/path`  the same, by ARN
 * - `secretsmanager:name-or-arn`        Secrets Manager, the whole SecretString
 * - `secretsmanager:name-or-arn#key`    one key of a JSON SecretString (`{"password":"…"}`)
 */
import { ConfigError } from '../errors.ts';

export type SecretRef =
  | { source: 'ssm'; name: string; text: string }
  | { source: 'secretsmanager'; id: string; jsonKey?: string; text: string };

/**
 * Parses a reference, throwing `ConfigError` naming `variable` when it is not one, so a
 * plain-text secret pasted into a `*_REF` variable fails at cold start instead of being sent.
 */
export function parseSecretRef(text: string, variable: string): SecretRef {
  const t = text.trim();
  const colon = t.indexOf(':');
  const scheme = colon < 0 ? '' : t.slice(0, colon);
  const rest = colon < 0 ? '' : t.slice(colon + 1);
  if (scheme === 'ssm') {
    if (rest === '') throw new ConfigError(variable, 'must name an SSM parameter after "ssm:"');
    return { source: 'ssm', name: rest, text: t };
  }
  if (scheme === 'secretsmanager') {
    const hash = rest.lastIndexOf('#');
    const id = hash < 0 ? rest : rest.slice(0, hash);
    const jsonKey = hash < 0 ? undefined : rest.slice(hash + 1);
    if (id === '') throw new ConfigError(variable, 'must name a secret after "secretsmanager:"');
    if (jsonKey === '') throw new ConfigError(variable, 'has an empty JSON key after "#"');
    return jsonKey === undefined ? { source: 'secretsmanager', id, text: t } : { source: 'secretsmanager', id, jsonKey, text: t };
  }
  // Never echo the value: it may be a secret pasted by mistake.
  throw new ConfigError(variable, 'must be a secret reference "ssm:<parameter>" or "secretsmanager:<secret>[#<json key>]" (the value is not shown)');
}
