/**
 * Resolves secret references (see `secretRef.ts`) once per Lambda container and caches them:
 * one SSM/Secrets Manager call per secret per cold start, not per invocation (cost, latency,
 * and API throttling when hundreds of environments start at once).
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EmfFanoutError } from '../errors.ts';
import type { SecretRef } from './secretRef.ts';

/** A secret could not be fetched or does not have the expected shape. Never carries the value. */
export class SecretError extends EmfFanoutError {
  override readonly name = 'SecretError';
}

export interface SecretResolver {
  /** The secret's value; cached after the first successful fetch. */
  resolve(ref: SecretRef): Promise<string>;
  /** Forgets a cached value (e.g. after a 401, in case the secret was rotated). */
  invalidate(ref: SecretRef): void;
}

export interface SecretResolverDeps {
  /** Injected for tests (aws-sdk-client-mock) or to share a client; created lazily otherwise. */
  ssm?: SSMClient;
  secretsManager?: SecretsManagerClient;
}

/** Creates a resolver with its own cache; create one per container (module scope). */
export function createSecretResolver(deps: SecretResolverDeps = {}): SecretResolver {
  let ssm = deps.ssm;
  let sm = deps.secretsManager;
  const cache = new Map<string, Promise<string>>();

  const fetchSecret = async (ref: SecretRef): Promise<string> => {
    if (ref.source === 'ssm') {
      ssm ??= new SSMClient({});
      const out = await call(ref, () => ssm!.send(new GetParameterCommand({ Name: ref.name, WithDecryption: true })));
      const value = out.Parameter?.Value;
      if (value === undefined) throw new SecretError(`SSM parameter ${ref.name} has no value`, 'secret_empty');
      return value;
    }
    sm ??= new SecretsManagerClient({});
    const out = await call(ref, () => sm!.send(new GetSecretValueCommand({ SecretId: ref.id })));
    const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    if (text === undefined) throw new SecretError(`secret ${ref.id} has no value`, 'secret_empty');
    if (ref.jsonKey === undefined) return text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SecretError(`secret ${ref.id} is not JSON, so key "${ref.jsonKey}" cannot be read`, 'secret_not_json');
    }
    const v = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[ref.jsonKey] : undefined;
    if (typeof v !== 'string') throw new SecretError(`secret ${ref.id} has no string key "${ref.jsonKey}"`, 'secret_key_missing');
    return v;
  };

  return {
    resolve(ref) {
      let p = cache.get(ref.text);
      if (p === undefined) {
        p = fetchSecret(ref);
        cache.set(ref.text, p);
        // A failed fetch is not cached: the next cold start or retry tries again.
        const mine = p;
        p.catch(() => {
          if (cache.get(ref.text) === mine) cache.delete(ref.text);
        });
      }
      return p;
    },
    invalidate(ref) {
      cache.delete(ref.text);
    },
  };
}

async function call<T>(ref: SecretRef, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as Error;
    throw new SecretError(`cannot read secret ${ref.text}: ${e.name}: ${e.message}`, 'secret_unavailable', { cause: err });
  }
}
