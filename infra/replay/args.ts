/**
 * Command-line options of `npm run replay`, parsed with Node's `util.parseArgs`; the same conventions as
 * `npm run subscribe` (infra/subscribe/args.ts): a plan by default, `--apply` to act, exit 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../../shared/errors.ts';
import { STAGE_OPTIONS } from '../subscribe/args.ts';

export { UsageError };

export const USAGE = `Usage: npm run replay -- [options]

Replays what emf-fanout parked after Lambda gave up: the forwarder's failed events (S3 bucket of its
on-failure destination) and each consumer's failed batches (SQS queue of its event source mapping).
Prints a plan and changes nothing unless --apply is given. See docs/replay.md.

What to do:
  (default)                 plan: list the parked items that would be replayed
  --dry-run                 also read and decode everything (Kinesis records too) and count; write nothing
  --apply                   replay: invoke the deployed function synchronously, delete what succeeded
  --drop-expired            with --apply: delete a consumer item whose records are past the stream's
                            retention once the records still there are replayed (the loss is reported);
                            without it such an item is kept and the run exits 1

Which (default: the forwarder and every deployed consumer):
  --forwarder               the forwarder's parked events
  --consumer <name>         a consumer's parked batches (repeatable), e.g. prometheus
  --since <time>            parked at or after: ISO 8601 (2026-12-01T10:00Z) or an age (30m, 6h, 2d)
  --until <time>            parked before
  --log-group <name|prefix*>  only items holding documents of this log group (repeatable)

Where:
  --stage <stage>           default: dev
  --service <name>          default: the "service" of serverless.yml
  --region <region>         default: params "region", then AWS_REGION
  --params <file>           default: $EMF_FANOUT_PARAMS or config/params.yml
  --visibility-timeout <s>  seconds a received queue message stays hidden while replayed (default: 900)
  --help
`;

export interface ReplayArgs {
  stage: string;
  service?: string;
  region?: string;
  params?: string;
  apply: boolean;
  dryRun: boolean;
  dropExpired: boolean;
  forwarder: boolean;
  consumers: string[];
  since?: Date;
  until?: Date;
  logGroups: string[];
  visibilityTimeout: number;
  help: boolean;
}

const AGE = /^(\d+)([mhd])$/;
const AGE_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** `--since`/`--until`: an ISO 8601 time (a date alone is midnight UTC) or an age before `now`. */
export function parseTime(flag: string, v: string, now: number): Date {
  const age = AGE.exec(v);
  if (age) return new Date(now - Number(age[1]) * (AGE_MS[age[2]!] ?? 0));
  // A time without a zone is read as UTC, as the S3 keys are written.
  const withZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(v) || !v.includes(':') ? v : `${v}Z`;
  const t = ISO.test(v) ? Date.parse(withZone.replace(' ', 'T')) : Number.NaN;
  if (Number.isNaN(t)) throw new UsageError(`--${flag} must be an ISO 8601 time (2026-12-01T10:00Z) or an age (30m, 6h, 2d), got "${v}"`);
  return new Date(t);
}

export function parseReplayArgs(argv: readonly string[], now: number = Date.now()): ReplayArgs {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...STAGE_OPTIONS,
        apply: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'drop-expired': { type: 'boolean' },
        forwarder: { type: 'boolean' },
        consumer: { type: 'string', multiple: true },
        since: { type: 'string' },
        until: { type: 'string' },
        'log-group': { type: 'string', multiple: true },
        'visibility-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.apply && values['dry-run']) throw new UsageError('--apply and --dry-run exclude each other');
  if (values['drop-expired'] && !values.apply && !values['dry-run']) throw new UsageError('--drop-expired acknowledges lost records while replaying: use it with --apply (or --dry-run to preview)');
  const since = values.since === undefined ? undefined : parseTime('since', values.since, now);
  const until = values.until === undefined ? undefined : parseTime('until', values.until, now);
  if (since && until && since.getTime() >= until.getTime()) throw new UsageError('--since must be before --until');
  const logGroups = values['log-group'] ?? [];
  for (const g of logGroups) if (g === '' || g === '*') throw new UsageError(`--log-group needs a name or a prefix ending in *, got "${g}"`);
  const vt = values['visibility-timeout'];
  if (vt !== undefined && (!/^\d+$/.test(vt) || Number(vt) < 30 || Number(vt) > 43_200)) {
    throw new UsageError(`--visibility-timeout must be a number of seconds from 30 to 43200, got "${vt}"`);
  }
  return {
    stage: values.stage ?? 'dev',
    ...(values.service !== undefined ? { service: values.service } : {}),
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(values.params !== undefined ? { params: values.params } : {}),
    apply: values.apply ?? false,
    dryRun: values['dry-run'] ?? false,
    dropExpired: values['drop-expired'] ?? false,
    forwarder: values.forwarder ?? false,
    consumers: values.consumer ?? [],
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    logGroups,
    visibilityTimeout: vt === undefined ? 900 : Number(vt),
    help: values.help ?? false,
  };
}

/** `--log-group`: exact names, or prefixes for entries ending in `*`. An empty list selects every log group. */
export function logGroupMatches(logGroup: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => (p.endsWith('*') ? logGroup.startsWith(p.slice(0, -1)) : logGroup === p));
}
