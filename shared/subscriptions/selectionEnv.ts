/**
 * The log-group selection rules from a function's environment: the new-log-group function and the metrics
 * scraper read the same variables, filled by the deployment from the same params (config/params.yml), so
 * they select what the subscription tool selects.
 *
 * | Variable | Meaning |
 * |---|---|
 * | `PIPELINE_LOG_GROUP_PREFIX` | the pipeline's own log groups, never selected (required) |
 * | `SUBSCRIBE_NAMES`, `SUBSCRIBE_PREFIXES` | comma lists (log group names cannot contain commas) |
 * | `SUBSCRIBE_PATTERNS` | JSON array of regular expressions (they may contain commas) |
 * | `SUBSCRIBE_TAGS` | JSON object of required tags, `"*"` for any value |
 * | `EXCLUDE_LOG_GROUPS` | comma list of names, or prefixes ending in `*` |
 */
import { type Env, optionalList, optionalString, requireString } from '../config/env.ts';
import { ConfigError } from '../errors.ts';
import { buildSelectionRules, SelectionError, type SelectionRules } from './selection.ts';

/** A variable holding JSON of the shape `check` accepts; `fallback` when unset. */
function jsonEnv<T>(env: Env, key: string, check: (v: unknown) => v is T, what: string, fallback: T): T {
  const raw = optionalString(env, key);
  if (raw === undefined) return fallback;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new ConfigError(key, `must be JSON (${what}), got "${raw}"`);
  }
  if (!check(v)) throw new ConfigError(key, `must be ${what}, got "${raw}"`);
  return v;
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isStringMap = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

/** The rules of the variables above; a bad one throws `ConfigError` naming it. */
export function selectionRulesFromEnv(env: Env): SelectionRules {
  const pipelinePrefix = requireString(env, 'PIPELINE_LOG_GROUP_PREFIX');
  try {
    return buildSelectionRules({
      names: optionalList(env, 'SUBSCRIBE_NAMES'),
      prefixes: optionalList(env, 'SUBSCRIBE_PREFIXES'),
      patterns: jsonEnv(env, 'SUBSCRIBE_PATTERNS', isStringArray, 'a JSON array of strings', []),
      tags: jsonEnv(env, 'SUBSCRIBE_TAGS', isStringMap, 'a JSON object of strings', {}),
      exclude: optionalList(env, 'EXCLUDE_LOG_GROUPS'),
      pipelinePrefix,
    });
  } catch (e) {
    if (e instanceof SelectionError) throw new ConfigError(e.setting === 'patterns' ? 'SUBSCRIBE_PATTERNS' : 'SUBSCRIBE_TAGS', e.message);
    throw e;
  }
}
