/**
 * Which log groups emf-fanout subscribes to. One set of rules serves the subscription tool
 * (existing log groups) and the new-log-group function (log groups created later), so both
 * make the same choice for the same name.
 *
 * A log group is selected when
 *   1. it is not one of the pipeline's own (`/aws/lambda/<service>-…`): never, whatever the rules say;
 *   2. it is not excluded (`exclude`: exact names, or prefixes written with a trailing `*`);
 *   3. it matches a name, a prefix or a regular expression (or `all` is set);
 *   4. it carries every required tag (`key=value`, or `key` / `key=*` for any value).
 */
import { EmfFanoutError } from '../errors.ts';

/** A selection setting is malformed (bad regular expression, bad tag). */
export class SelectionError extends EmfFanoutError {
  override readonly name = 'SelectionError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`, 'selection_invalid');
  }
}

export interface SelectionRules {
  names: readonly string[];
  prefixes: readonly string[];
  patterns: readonly RegExp[];
  /** Required tags; the value `*` accepts any value. */
  tags: Readonly<Record<string, string>>;
  /** Exact names, or prefixes ending in `*`. */
  exclude: readonly string[];
  /** Select every log group (still subject to exclusions and tags). */
  all: boolean;
  /** The pipeline's own log groups; never selected. */
  pipelinePrefix: string;
}

/** Raw settings as they come from `config/params.yml`, CLI flags or environment variables. */
export interface SelectionInput {
  names?: readonly string[];
  prefixes?: readonly string[];
  patterns?: readonly string[];
  /** `key=value` strings or a `{key: value}` map. */
  tags?: readonly string[] | Readonly<Record<string, string>>;
  exclude?: readonly string[];
  all?: boolean;
  pipelinePrefix: string;
}

/** Validates and compiles selection settings; a bad entry throws `SelectionError` naming it. */
export function buildSelectionRules(input: SelectionInput): SelectionRules {
  const clean = (xs: readonly string[] | undefined) => (xs ?? []).map((s) => s.trim()).filter((s) => s !== '');
  const patterns = clean(input.patterns).map((p) => {
    try {
      return new RegExp(p);
    } catch (e) {
      throw new SelectionError('patterns', `"${p}" is not a valid regular expression (${(e as Error).message})`);
    }
  });
  if (input.pipelinePrefix.trim() === '') throw new SelectionError('pipelinePrefix', 'must not be empty');
  return Object.freeze({
    names: clean(input.names),
    prefixes: clean(input.prefixes),
    patterns,
    tags: parseTags(input.tags),
    exclude: clean(input.exclude),
    all: input.all ?? false,
    pipelinePrefix: input.pipelinePrefix,
  });
}

function parseTags(tags: SelectionInput['tags']): Record<string, string> {
  if (tags === undefined) return {};
  const out: Record<string, string> = {};
  const entries: [string, string][] = Array.isArray(tags)
    ? (tags as readonly string[]).map((t) => {
        const eq = t.indexOf('=');
        return eq < 0 ? [t.trim(), '*'] : [t.slice(0, eq).trim(), t.slice(eq + 1).trim()];
      })
    : Object.entries(tags as Readonly<Record<string, string>>).map(([k, v]) => [k.trim(), String(v ?? '*').trim()]);
  for (const [k, v] of entries) {
    if (k === '') throw new SelectionError('tags', 'a tag needs a key ("key=value", or "key" for any value)');
    out[k] = v === '' ? '*' : v;
  }
  return out;
}

/** True when the rules select nothing at all (no name, prefix, pattern, tag, nor `all`). */
export function isEmptySelection(rules: SelectionRules): boolean {
  return !rules.all && rules.names.length + rules.prefixes.length + rules.patterns.length === 0 && Object.keys(rules.tags).length === 0;
}

/** Whether tags must be fetched to decide (ListTagsForResource costs one call per log group). */
export function needsTags(rules: SelectionRules): boolean {
  return Object.keys(rules.tags).length > 0;
}

/** Exact names, or prefixes for entries ending in `*` (the forwarder's `EXCLUDE_LOG_GROUPS` convention). */
function matchesNameOrPrefix(logGroup: string, entries: readonly string[]): string | undefined {
  return entries.find((p) => (p.endsWith('*') ? logGroup.startsWith(p.slice(0, -1)) : logGroup === p));
}

export type NameVerdict =
  | { kind: 'pipeline'; detail: string }
  | { kind: 'excluded'; detail: string }
  | { kind: 'matched' }
  | { kind: 'not-matched' };

/**
 * The name-only part of the decision. `pipeline` and `excluded` are reported only for log groups
 * the rules would otherwise pick, so the plan shows what was held back and why.
 */
export function judgeName(rules: SelectionRules, logGroup: string): NameVerdict {
  const nameSelectors = rules.names.length + rules.prefixes.length + rules.patterns.length;
  const matched =
    rules.all ||
    (nameSelectors === 0 && Object.keys(rules.tags).length > 0) ||
    rules.names.includes(logGroup) ||
    rules.prefixes.some((p) => logGroup.startsWith(p)) ||
    rules.patterns.some((r) => r.test(logGroup));
  if (!matched) return { kind: 'not-matched' };
  if (logGroup.startsWith(rules.pipelinePrefix)) {
    return { kind: 'pipeline', detail: `belongs to the pipeline (${rules.pipelinePrefix}*)` };
  }
  const ex = matchesNameOrPrefix(logGroup, rules.exclude);
  if (ex !== undefined) return { kind: 'excluded', detail: `excluded by "${ex}"` };
  return { kind: 'matched' };
}

/** Checks required tags; returns the first missing or different tag, or undefined when all are present. */
export function missingTag(rules: SelectionRules, tags: Readonly<Record<string, string>>): string | undefined {
  for (const [k, v] of Object.entries(rules.tags)) {
    // Own keys only: a rule on `toString` must not pass for every log group.
    if (!Object.hasOwn(tags, k)) return `tag ${k} is missing`;
    if (v !== '*' && tags[k] !== v) return `tag ${k}=${tags[k]} (wanted ${v})`;
  }
  return undefined;
}
