/**
 * Reads the settings users keep in one place, `config/params.yml` (the Serverless `params`
 * file: a `default:` section plus one section per stage, merged key by key exactly as
 * Serverless does), so `npm run subscribe` selects the same log groups the deployment and the
 * new-log-group function do.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { EmfFanoutError } from '../../shared/errors.ts';

/**
 * Default subscription filter pattern: lets through only lines that can carry metrics, so
 * CloudWatch Logs filters and the forwarder is invoked (and paid) for less. Any OR'ed quoted
 * term matches as a case-sensitive substring of the event:
 * - `_aws`: EMF documents, bare or wrapped in Lambda's JSON log format or a text prefix;
 * - `REPORT RequestId:`: Lambda's text-format REPORT line (duration, memory, init);
 * - `Task timed out`: the classic timeout line;
 * - `platform.report`: the JSON-format platform report.
 */
export const DEFAULT_FILTER_PATTERN = '?"_aws" ?"REPORT RequestId:" ?"Task timed out" ?"platform.report"';

/** Subscription filters per log group (PutSubscriptionFilter API reference: "up to two"). */
export const DEFAULT_MAX_FILTERS = 2;

export class SettingsError extends EmfFanoutError {
  override readonly name = 'SettingsError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`, 'settings_invalid');
  }
}

export interface Settings {
  region?: string;
  /** Exact names: their filters belong to the CloudFormation stack. */
  stackManagedNames: string[];
  prefixes: string[];
  patterns: string[];
  tags: Record<string, string>;
  exclude: string[];
  filterPattern: string;
  maxFilters: number;
  /** `logsPermissionLogGroupPattern`: which log groups the forwarder's invoke permission admits. */
  permissionPattern: string;
}

type Section = Record<string, unknown>;

/** Serverless `params` semantics: a stage's key replaces the same key of `default`. */
export function mergeParams(doc: unknown, stage: string, file: string): Section {
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new SettingsError(file, 'must be a map of sections (default:, <stage>:)');
  const d = doc as Record<string, unknown>;
  const section = (key: string): Section => {
    const v = d[key];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new SettingsError(file, `section "${key}" must be a map`);
    return v as Section;
  };
  const merged: Section = { ...section('default') };
  for (const [k, v] of Object.entries(section(stage))) if (v !== null && v !== undefined) merged[k] = v;
  return merged;
}

function noVariable(file: string, key: string, v: string): string {
  if (v.includes('${')) {
    throw new SettingsError(file, `${key} uses a Serverless variable (${v}); the subscription tool reads literal values only, pass it as a flag instead`);
  }
  return v;
}

function stringList(file: string, p: Section, key: string): string[] {
  const v = p[key];
  if (v === undefined || v === null || v === '') return [];
  if (typeof v === 'string') return v.split(',').map((s) => noVariable(file, key, s.trim())).filter((s) => s !== '');
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new SettingsError(file, `${key} must be a list of strings`);
  return v.map((s) => noVariable(file, key, s.trim())).filter((s) => s !== '');
}

function tagMap(file: string, p: Section, key: string): Record<string, string> {
  const v = p[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new SettingsError(file, `${key} must be a map of tag keys to values ("*" for any value)`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Section)) {
    if (typeof val !== 'string' && typeof val !== 'number' && typeof val !== 'boolean') throw new SettingsError(file, `${key}.${k} must be a string`);
    out[k] = noVariable(file, `${key}.${k}`, String(val));
  }
  return out;
}

/** Parses settings for `stage`; a missing file gives empty settings (everything from flags). */
export function loadSettings(file: string, stage: string, read: (f: string) => string = (f) => readFileSync(f, 'utf8')): Settings {
  let text: string;
  try {
    text = read(file);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return parseSettings(undefined, stage, file);
    throw new SettingsError(file, `cannot be read: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new SettingsError(file, `is not valid YAML: ${(e as Error).message}`);
  }
  return parseSettings(doc, stage, file);
}

function parseSettings(doc: unknown, stage: string, file: string): Settings {
  const p = mergeParams(doc, stage, file);
  const region = p.region;
  const filterPattern = p.filterPattern;
  if (filterPattern !== undefined && typeof filterPattern !== 'string') throw new SettingsError(file, 'filterPattern must be a string');
  const maxFilters = p.maxFiltersPerLogGroup ?? DEFAULT_MAX_FILTERS;
  if (typeof maxFilters !== 'number' || !Number.isInteger(maxFilters) || maxFilters < 1) {
    throw new SettingsError(file, 'maxFiltersPerLogGroup must be a positive integer');
  }
  return {
    ...(typeof region === 'string' && region !== '' ? { region: noVariable(file, 'region', region) } : {}),
    stackManagedNames: stringList(file, p, 'subscribeLogGroupNames'),
    prefixes: stringList(file, p, 'subscribeLogGroupPrefixes'),
    patterns: stringList(file, p, 'subscribeLogGroupPatterns'),
    tags: tagMap(file, p, 'subscribeLogGroupTags'),
    exclude: stringList(file, p, 'excludeLogGroups'),
    filterPattern: filterPattern === undefined ? DEFAULT_FILTER_PATTERN : noVariable(file, 'filterPattern', filterPattern),
    maxFilters,
    permissionPattern: typeof p.logsPermissionLogGroupPattern === 'string' ? p.logsPermissionLogGroupPattern : '*',
  };
}
