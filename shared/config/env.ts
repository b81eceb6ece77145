import { ConfigError } from '../errors.ts';

/** Environment as passed to config loaders; taking it as a parameter keeps tests free of global state. */
export type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, key: string): string | undefined {
  const v = env[key];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

export function requireString(env: Env, key: string): string {
  const v = raw(env, key);
  if (v === undefined) throw new ConfigError(key, 'is required');
  return v;
}

export function optionalString(env: Env, key: string, fallback: string): string;
export function optionalString(env: Env, key: string): string | undefined;
export function optionalString(env: Env, key: string, fallback?: string): string | undefined {
  return raw(env, key) ?? fallback;
}

export function optionalInt(env: Env, key: string, fallback: number, range: { min?: number; max?: number } = {}): number {
  const v = raw(env, key);
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v)) throw new ConfigError(key, `must be an integer, got "${v}"`);
  const n = Number(v);
  if (range.min !== undefined && n < range.min) throw new ConfigError(key, `must be >= ${range.min}, got ${n}`);
  if (range.max !== undefined && n > range.max) throw new ConfigError(key, `must be <= ${range.max}, got ${n}`);
  return n;
}

export function optionalBool(env: Env, key: string, fallback: boolean): boolean {
  const v = raw(env, key);
  if (v === undefined) return fallback;
  const l = v.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(l)) return true;
  if (['false', '0', 'no', 'off'].includes(l)) return false;
  throw new ConfigError(key, `must be true or false, got "${v}"`);
}

export function optionalEnum<const T extends string>(env: Env, key: string, allowed: readonly T[], fallback: T): T {
  const v = raw(env, key);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(key, `must be one of ${allowed.join(', ')}, got "${v}"`);
  }
  return v as T;
}

/** Comma-separated list; empty entries are ignored. */
export function optionalList(env: Env, key: string): string[] {
  const v = raw(env, key);
  if (v === undefined) return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * A comma-separated list of `key:value` pairs, split at each entry's first `:` (`env:prod,service:orders`);
 * an entry without both parts names the variable.
 */
export function optionalPairs(env: Env, key: string): [string, string][] {
  return optionalList(env, key).map((entry) => {
    const i = entry.indexOf(':');
    const k = i < 0 ? '' : entry.slice(0, i).trim();
    const v = i < 0 ? '' : entry.slice(i + 1).trim();
    if (k === '' || v === '') throw new ConfigError(key, `entries must be key:value with both parts non-empty, got "${entry}"`);
    return [k, v];
  });
}

/** An absolute http or https URL; anything else names the variable. */
export function requireHttpUrl(env: Env, key: string): URL {
  const v = requireString(env, key);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(key, `must be an absolute URL, got "${v}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(key, `must be an http or https URL, got "${v}"`);
  return url;
}
