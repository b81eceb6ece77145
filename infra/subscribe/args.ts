/**
 * Command-line options of `npm run subscribe`, parsed with Node's `util.parseArgs`.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../../shared/errors.ts';

export { UsageError };

export const USAGE = `Usage: npm run subscribe -- [options]

Subscribes existing log groups to emf-fanout's forwarder. Prints a plan and changes
nothing unless --apply is given. Selection comes from config/params.yml (stage section
merged over default) plus the flags below.

Selection (repeatable; a log group is picked if it matches any name, prefix or pattern,
and carries every --tag):
  --name <log group>        exact name
  --prefix <prefix>         name prefix, e.g. /aws/lambda/orders-
  --pattern <regex>         JavaScript regular expression on the name
  --tag <key[=value]>       required tag (no value, or *, accepts any value)
  --exclude <name|prefix*>  never subscribe (a trailing * makes it a prefix)
  --all                     every log group (exclusions and tags still apply)
  --ignore-params           use only the flags, not config/params.yml

What to do:
  (default)                 subscribe: plan only
  --unsubscribe             remove emf-fanout's own filter (no other filter is ever touched)
  --account-policy          use one account-level subscription filter policy instead
  --apply                   make the planned changes

Where:
  --stage <stage>           default: dev
  --service <name>          default: the "service" of serverless.yml
  --region <region>         default: params "region", then AWS_REGION
  --params <file>           default: $EMF_FANOUT_PARAMS or config/params.yml
  --destination-arn <arn>   the forwarder's ARN (default: derived from the account and Region)
  --filter-pattern <p>      default: params "filterPattern"
  --max-filters <n>         filters allowed per log group (default: params, else 2)
  --concurrency <n>         CloudWatch Logs calls in flight (default: 4)
  --help
`;

export interface CliArgs {
  stage: string;
  service?: string;
  region?: string;
  params?: string;
  names: string[];
  prefixes: string[];
  patterns: string[];
  tags: string[];
  exclude: string[];
  all: boolean;
  ignoreParams: boolean;
  unsubscribe: boolean;
  accountPolicy: boolean;
  apply: boolean;
  destinationArn?: string;
  filterPattern?: string;
  maxFilters?: number;
  concurrency: number;
  help: boolean;
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${flag} must be a positive integer, got "${v}"`);
  return Number(v);
}

/** The options that pick a deployment, shared by `npm run subscribe` and `npm run replay`. */
export const STAGE_OPTIONS = {
  stage: { type: 'string' },
  service: { type: 'string' },
  region: { type: 'string' },
  params: { type: 'string' },
} as const;

export function parseCliArgs(argv: readonly string[]): CliArgs {
  let values: ReturnType<typeof parse>['values'];
  const parse = (a: string[]) =>
    parseArgs({
      args: a,
      strict: true,
      allowPositionals: false,
      options: {
        ...STAGE_OPTIONS,
        name: { type: 'string', multiple: true },
        prefix: { type: 'string', multiple: true },
        pattern: { type: 'string', multiple: true },
        tag: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        all: { type: 'boolean' },
        'ignore-params': { type: 'boolean' },
        unsubscribe: { type: 'boolean' },
        'account-policy': { type: 'boolean' },
        apply: { type: 'boolean' },
        'destination-arn': { type: 'string' },
        'filter-pattern': { type: 'string' },
        'max-filters': { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  try {
    values = parse([...argv]).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const destinationArn = values['destination-arn'];
  if (destinationArn !== undefined && !/^arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+$/.test(destinationArn)) {
    throw new UsageError(`--destination-arn must be a Lambda function ARN, got "${destinationArn}"`);
  }
  const maxFilters = positiveInt('max-filters', values['max-filters']);
  return {
    stage: values.stage ?? 'dev',
    ...(values.service !== undefined ? { service: values.service } : {}),
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(values.params !== undefined ? { params: values.params } : {}),
    names: values.name ?? [],
    prefixes: values.prefix ?? [],
    patterns: values.pattern ?? [],
    tags: values.tag ?? [],
    exclude: values.exclude ?? [],
    all: values.all ?? false,
    ignoreParams: values['ignore-params'] ?? false,
    unsubscribe: values.unsubscribe ?? false,
    accountPolicy: values['account-policy'] ?? false,
    apply: values.apply ?? false,
    ...(destinationArn !== undefined ? { destinationArn } : {}),
    ...(values['filter-pattern'] !== undefined ? { filterPattern: values['filter-pattern'] } : {}),
    ...(maxFilters !== undefined ? { maxFilters } : {}),
    concurrency: positiveInt('concurrency', values.concurrency) ?? 4,
    help: values.help ?? false,
  };
}
