/**
 * Every setting config/params.yml may hold, and the check that the sections Serverless merges
 * for a stage (`default:`, `<stage>:`, and `--param key=value` on the command line) hold
 * nothing else: a misspelled key would otherwise be ignored, and the key it was meant to
 * override would silently keep its default (or, in a file without it, be reported as missing
 * under its correct name, not the name written).
 *
 * The list is the code's: every param the generator reads goes through `Params`, which refuses
 * names missing here, and test/unit/infra/paramKeys.test.ts checks that every `${param:…}` of
 * the YAML templates is listed.
 */
import { EmfFanoutError } from '../../shared/errors.ts';
import { CONSUMER_PARAM_SUFFIXES, consumerNameOfKey, consumerNameProblem } from './consumerNames.ts';
import { PARAMS_FILE, type ResolverContext } from './params.ts';

/** Settings that exist once per deployment (consumer settings are per consumer, below). */
export const GLOBAL_PARAM_KEYS: readonly string[] = [
  'region',
  'logLevel',
  'logRetentionDays',
  'pipelineMetrics',
  // Log groups
  'subscribeLogGroupNames',
  'subscribeLogGroupPrefixes',
  'subscribeLogGroupPatterns',
  'subscribeLogGroupTags',
  'excludeLogGroups',
  'filterPattern',
  'subscribeNewLogGroups',
  'newLogGroupReservedConcurrency',
  'logsPermissionLogGroupPattern',
  'maxFiltersPerLogGroup',
  // Stream
  'streamMode',
  'streamShardCount',
  'streamRetentionHours',
  'streamKmsKeyArn',
  // Forwarder
  'forwarderMemorySize',
  'forwarderTimeout',
  'forwarderAsyncRetries',
  'forwarderAsyncMaxEventAgeSeconds',
  'forwarderReservedConcurrency',
  'forwarderParkedEventDays',
  'platformMetrics',
  'platformNamespace',
  'recordCompression',
  'recordTargetBytes',
  'maxDecompressedBytes',
  // Consumers, shared
  'consumerMemorySize',
  'consumerTimeout',
  'batchSize',
  'batchWindowSeconds',
  'startingPosition',
  'maximumRetryAttempts',
  'maximumRecordAgeSeconds',
  'parallelizationFactor',
  // CloudWatch metrics scraper
  'metricsScraperEnabled',
  'metricsScraperEnvironment',
  'metricsScraperMetrics',
  // Alarms
  'alarmTopicArn',
  'alarmIteratorAgeMs',
  'alarmErrorsThreshold',
  'alarmRejectedDocumentsThreshold',
  'alarmDataDroppedThreshold',
];

/** The global params, and `<consumer key><suffix>` for each registered consumer (`prometheusEnabled`, …; registry.ts). */
export function knownParamKeys(consumerKeys: readonly string[]): string[] {
  return [...GLOBAL_PARAM_KEYS, ...consumerKeys.flatMap((k) => CONSUMER_PARAM_SUFFIXES.map((s) => `${k}${s}`))];
}

/**
 * Damerau–Levenshtein distance (insertions, deletions, substitutions and transpositions of
 * adjacent characters, each costing 1; unrestricted, so it is a metric: two typos are never
 * more than 2 apart from the word).
 */
export function editDistance(a: string, b: string): number {
  const INF = a.length + b.length;
  const last = new Map<string, number>();
  // d[i + 1][j + 1] is the distance of a[0, i) and b[0, j); row and column 0 are the sentinels.
  const d: number[][] = Array.from({ length: a.length + 2 }, () => new Array<number>(b.length + 2).fill(0));
  d[0]![0] = INF;
  for (let i = 0; i <= a.length; i++) {
    d[i + 1]![0] = INF;
    d[i + 1]![1] = i;
  }
  for (let j = 0; j <= b.length; j++) {
    d[0]![j + 1] = INF;
    d[1]![j + 1] = j;
  }
  for (let i = 1; i <= a.length; i++) {
    let lastMatchCol = 0;
    for (let j = 1; j <= b.length; j++) {
      const i1 = last.get(b[j - 1]!) ?? 0;
      const j1 = lastMatchCol;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      if (cost === 0) lastMatchCol = j;
      d[i + 1]![j + 1] = Math.min(
        d[i]![j]! + cost,
        d[i + 1]![j]! + 1,
        d[i]![j + 1]! + 1,
        d[i1]![j1]! + (i - i1 - 1) + 1 + (j - j1 - 1),
      );
    }
    last.set(a[i - 1]!, i);
  }
  return d[a.length + 1]![b.length + 1]!;
}

/** How far a word may be from a key to be offered as "did you mean": 2, or a quarter of a longer key. */
function suggestionRadius(key: string): number {
  return Math.max(2, Math.floor(key.length / 4));
}

/**
 * The known key closest to `word` (within its suggestion radius), or undefined. Deterministic:
 * among equally close keys, the first of `known`. Case is compared as written (a case slip is
 * one edit).
 */
export function suggestKey(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const key of known) {
    const d = editDistance(word, key);
    if (d <= suggestionRadius(key) && d < bestDistance) {
      best = key;
      bestDistance = d;
    }
  }
  return best;
}

interface UnknownParam {
  key: string;
  /** `default`, the stage's name, or `--param`. */
  section: string;
  suggestion?: string;
  /** The consumer the key would be a setting of, when no consumer of that name is registered. */
  unregistered?: string;
}

/**
 * `acmeMetricsEnabled` → `acme-metrics` when the key is a consumer's setting by its form but no such
 * consumer is registered (the usual cause: the consumer's folder, or its consumer.ts, is missing).
 */
function unregisteredConsumer(key: string): string | undefined {
  const suffix = CONSUMER_PARAM_SUFFIXES.find((s) => key.endsWith(s) && key.length > s.length);
  if (suffix === undefined) return undefined;
  const name = consumerNameOfKey(key.slice(0, -suffix.length));
  return consumerNameProblem(name, GLOBAL_PARAM_KEYS) === undefined ? name : undefined;
}

/** Keys of the merged params that the deployment does not know. */
class UnknownParamError extends EmfFanoutError {
  override readonly name = 'UnknownParamError';
  constructor(readonly unknown: readonly UnknownParam[]) {
    const why = (u: UnknownParam) =>
      u.suggestion
        ? `did you mean "${u.suggestion}"?`
        : u.unregistered
          ? `no consumer "${u.unregistered}" is registered: functions/consumers/${u.unregistered}/consumer.ts is missing; npm run new-provider ${u.unregistered} writes a consumer with it, docs/providers.md`
          : 'no known setting is close; config/params.yml lists them all';
    const one = (u: UnknownParam) => `"${u.key}" in ${u.section === '--param' ? '--param' : `section "${u.section}:"`} (${why(u)})`;
    super(`unknown param${unknown.length > 1 ? 's' : ''} ${unknown.map(one).join('; ')} (${PARAMS_FILE})`, 'param_unknown');
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** The keys of `--param key=value` options (osls passes them as a list of strings). */
function cliParamKeys(options: ResolverContext['options']): string[] {
  const raw: unknown = options?.param;
  const items = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : [];
  return items.map((item) => item.split('=')[0]!.trim()).filter((k) => k !== '');
}

/**
 * Checks the keys of the sections the `param:` source of Serverless reads for this stage: the
 * stage's own section, `default:`, and `--param` options. Other stages' sections are checked
 * when those stages are packaged (Serverless leaves their values unresolved until then, and
 * reading them here could call SSM for a stage that is not being deployed).
 */
export async function checkParamKeys(ctx: ResolverContext, stage: string, known: readonly string[]): Promise<void> {
  const knownSet = new Set(known);
  const unknown: UnknownParam[] = [];
  const seen = new Set<string>();
  const add = (key: string, section: string) => {
    if (knownSet.has(key) || seen.has(`${section}\0${key}`)) return;
    seen.add(`${section}\0${key}`);
    const suggestion = suggestKey(key, known);
    const unregistered = suggestion === undefined ? unregisteredConsumer(key) : undefined;
    unknown.push({ key, section, ...(suggestion === undefined ? {} : { suggestion }), ...(unregistered === undefined ? {} : { unregistered }) });
  };
  const sections: [string, unknown][] = [['default', await ctx.resolveVariable('self:params.default, null')]];
  if (stage !== 'default') sections.push([stage, await ctx.resolveVariable(`self:params.${stage}, null`)]);
  for (const [section, value] of sections) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new EmfFanoutError(`section "${section}:" of the params must be a map of settings (${PARAMS_FILE})`, 'param_invalid');
    }
    for (const key of Object.keys(value)) add(key, section);
  }
  for (const key of cliParamKeys(ctx.options)) add(key, '--param');
  if (unknown.length > 0) throw new UnknownParamError(unknown);
}
