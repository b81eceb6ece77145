/**
 * Settings of the new-log-group function, from its environment at cold start. The deployment
 * fills them from the same params the subscription tool reads (config/params.yml), so a new
 * log group gets the decision an existing one would.
 *
 * | Variable | Meaning |
 * |---|---|
 * | `DESTINATION_ARN` | the forwarder's ARN (required) |
 * | `FILTER_NAME` | emf-fanout's filter name, `<service>-<stage>` (required) |
 * | `FILTER_PATTERN` | subscription filter pattern (may be empty: every event) |
 * | `PIPELINE_LOG_GROUP_PREFIX` | the pipeline's own log groups, never subscribed (required) |
 * | `SUBSCRIBE_NAMES`, `SUBSCRIBE_PREFIXES` | comma lists (log group names cannot contain commas) |
 * | `SUBSCRIBE_PATTERNS` | JSON array of regular expressions (they may contain commas) |
 * | `SUBSCRIBE_TAGS` | JSON object of required tags, `"*"` for any value |
 * | `EXCLUDE_LOG_GROUPS` | comma list of names, or prefixes ending in `*` |
 * | `MAX_FILTERS_PER_LOG_GROUP` | default 2 |
 */
import { type Env, optionalInt, requireString } from '../../shared/config/env.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { TargetFilter } from '../../shared/subscriptions/decide.ts';
import type { SelectionRules } from '../../shared/subscriptions/selection.ts';
import { selectionRulesFromEnv } from '../../shared/subscriptions/selectionEnv.ts';

export interface NewLogGroupConfig {
  target: TargetFilter;
  rules: SelectionRules;
  maxFilters: number;
}

export function loadNewLogGroupConfig(env: Env): NewLogGroupConfig {
  const destinationArn = requireString(env, 'DESTINATION_ARN');
  if (!/^arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+$/.test(destinationArn)) {
    throw new ConfigError('DESTINATION_ARN', `must be a Lambda function ARN, got "${destinationArn}"`);
  }
  const target: TargetFilter = {
    destinationArn,
    filterName: requireString(env, 'FILTER_NAME'),
    // An empty pattern is legitimate (every event), so the raw value is kept.
    filterPattern: (env.FILTER_PATTERN ?? '').trim(),
  };
  const rules = selectionRulesFromEnv(env);
  return Object.freeze({ target, rules, maxFilters: optionalInt(env, 'MAX_FILTERS_PER_LOG_GROUP', 2, { min: 1, max: 100 }) });
}
