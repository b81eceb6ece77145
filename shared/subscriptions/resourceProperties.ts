/**
 * Properties of the `Custom::EmfFanoutSubscriptions` resource: the deploy-time selection
 * (prefixes, patterns, tags, exclusions) and our filter's settings. They travel in the
 * resource's properties, not in the function's environment, for two reasons:
 * - a change in params changes the properties, so CloudFormation sends an Update;
 * - an Update carries the previous properties too (`OldResourceProperties`), so the function
 *   knows which log groups the previous deployment selected, and a rollback hands both back
 *   swapped. The environment only ever holds the latest values.
 *
 * CloudFormation passes every scalar property as a string; lists and maps keep their shape.
 * The generator (infra/serverless/subscriptionResource.ts) writes these properties and the
 * new-log-group function (functions/new-log-group/customResource.ts) reads them with the
 * parser below; both use {@link SubscriptionResourceProperties}, kept here beside the
 * selection rules they share.
 */
import { EmfFanoutError } from '../errors.ts';
import type { TargetFilter } from './decide.ts';
import { type PipelineNames, pipelineNames } from './naming.ts';
import { buildSelectionRules, SelectionError, type SelectionRules } from './selection.ts';

/** The resource type in the template; any `Custom::` name works, this one says what it is. */
export const SUBSCRIPTIONS_RESOURCE_TYPE = 'Custom::EmfFanoutSubscriptions';

/**
 * The properties as the template writes them. `Arn` is the destination's type: a `Fn::GetAtt`
 * in the template, a string when the function receives it.
 */
export interface SubscriptionResourceProperties<Arn = string> {
  /** Serverless service and stage: the filter name and the pipeline prefix derive from them, as in `npm run subscribe`. */
  Service: string;
  Stage: string;
  /** The forwarder's ARN. */
  DestinationArn: Arn;
  /** May be empty (every event). */
  FilterPattern: string;
  Prefixes: string[];
  Patterns: string[];
  /** Required tags, `*` for any value. Not named `Tags`, which reads like resource tags. */
  RequiredTags: Record<string, string>;
  /** Exact names, or prefixes ending in `*`. */
  Exclude: string[];
  /** `subscribeLogGroupNames`: their filters belong to `AWS::Logs::SubscriptionFilter` resources; never touched here. */
  StackManagedNames: string[];
  MaxFiltersPerLogGroup: string;
}

/** One side (current or previous) of a deploy-time subscription, ready for `buildPlan`. */
export interface DeploySelection {
  names: PipelineNames;
  target: TargetFilter;
  rules: SelectionRules;
  stackManaged: readonly string[];
  maxFilters: number;
}

export type PropertiesSource = 'ResourceProperties' | 'OldResourceProperties';

/** A property of the custom resource is missing or malformed; names the property. */
export class PropertyError extends EmfFanoutError {
  override readonly name = 'PropertyError';
  constructor(
    readonly property: string,
    message: string,
  ) {
    super(`${property} ${message}`, 'property_invalid');
  }
}

const LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+$/;

function str(props: Record<string, unknown>, key: string, where: string, allowEmpty = false): string {
  const v = props[key];
  if (typeof v !== 'string') throw new PropertyError(`${where}.${key}`, v === undefined ? 'is missing' : `must be a string, got ${JSON.stringify(v)}`);
  if (!allowEmpty && v.trim() === '') throw new PropertyError(`${where}.${key}`, 'must not be empty');
  return v;
}

/** An absent list is an empty one (nothing selected by it); anything else must be a list of strings. */
function list(props: Record<string, unknown>, key: string, where: string): string[] {
  const v = props[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new PropertyError(`${where}.${key}`, `must be a list of strings, got ${JSON.stringify(v)}`);
  return v;
}

function stringMap(props: Record<string, unknown>, key: string, where: string): Record<string, string> {
  const v = props[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw new PropertyError(`${where}.${key}`, `must be a map of strings, got ${JSON.stringify(v)}`);
  }
  return v as Record<string, string>;
}

/** Reads and validates one properties object; a bad value throws {@link PropertyError} naming it. */
export function parseSubscriptionProperties(raw: unknown, where: PropertiesSource): DeploySelection {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PropertyError(where, 'is missing');
  const props = raw as Record<string, unknown>;
  const names = pipelineNames(str(props, 'Service', where), str(props, 'Stage', where));
  const destinationArn = str(props, 'DestinationArn', where);
  if (!LAMBDA_ARN.test(destinationArn)) throw new PropertyError(`${where}.DestinationArn`, `must be a Lambda function ARN, got "${destinationArn}"`);
  const maxRaw = props.MaxFiltersPerLogGroup;
  const maxFilters = typeof maxRaw === 'number' ? maxRaw : typeof maxRaw === 'string' && /^\d+$/.test(maxRaw.trim()) ? Number(maxRaw) : NaN;
  if (!Number.isInteger(maxFilters) || maxFilters < 1 || maxFilters > 100) {
    throw new PropertyError(`${where}.MaxFiltersPerLogGroup`, `must be an integer from 1 to 100, got ${JSON.stringify(maxRaw)}`);
  }
  let rules: SelectionRules;
  try {
    rules = buildSelectionRules({
      prefixes: list(props, 'Prefixes', where),
      patterns: list(props, 'Patterns', where),
      tags: stringMap(props, 'RequiredTags', where),
      exclude: list(props, 'Exclude', where),
      pipelinePrefix: names.pipelineLogGroupPrefix,
    });
  } catch (e) {
    if (e instanceof SelectionError) {
      // The message starts with the selection setting's own name ("patterns: …"); the property name replaces it.
      throw new PropertyError(`${where}.${e.setting === 'patterns' ? 'Patterns' : 'RequiredTags'}`, e.message.replace(/^\w+: /, ''));
    }
    throw e;
  }
  return {
    names,
    // An empty pattern is legitimate (every event), so the raw value is kept.
    target: { filterName: names.filterName, destinationArn, filterPattern: str(props, 'FilterPattern', where, true).trim() },
    rules,
    stackManaged: list(props, 'StackManagedNames', where),
    maxFilters,
  };
}
