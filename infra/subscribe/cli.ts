/**
 * `npm run subscribe -- …`: plans, then (with --apply) makes, subscriptions of existing log
 * groups to the forwarder. Exit codes: 0 done (or plan printed), 1 an AWS call or a change
 * failed, 2 bad usage or settings. The plan goes to stdout, progress and errors to stderr.
 */
import '../nodeVersion.ts'; // first: an unsupported Node.js stops here, with one line
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { parse } from 'yaml';
import { applyAccountPolicy, planAccountPolicy, renderAccountPolicyPlan } from '../../shared/subscriptions/accountPolicy.ts';
import { applyPlan } from '../../shared/subscriptions/apply.ts';
import { type CliArgs, parseCliArgs, USAGE, UsageError } from './args.ts';
import { createLogsApi } from '../../shared/subscriptions/logsApi.ts';
import { pipelineNames } from '../../shared/subscriptions/naming.ts';
import { buildPlan } from '../../shared/subscriptions/plan.ts';
import { createProgress, type ProgressStream } from '../../shared/subscriptions/progress.ts';
import { type BackoffOptions, DEFAULT_BACKOFF } from '../../shared/subscriptions/retry.ts';
import { buildSelectionRules, isEmptySelection, SelectionError } from '../../shared/subscriptions/selection.ts';
import { DEFAULT_FILTER_PATTERN, DEFAULT_MAX_FILTERS, loadSettings, type Settings, SettingsError } from './settings.ts';
import { renderPlan, renderReport } from './table.ts';

export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: ProgressStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Directory holding serverless.yml and config/. */
  cwd: string;
  /** Injected by tests; a real client otherwise. */
  createClient?: (region: string) => CloudWatchLogsClient;
  backoff?: BackoffOptions;
}

/** The `service:` of serverless.yml, so filter and function names match the deployment. */
export function readServiceName(cwd: string): string | undefined {
  try {
    const doc = parse(readFileSync(resolve(cwd, 'serverless.yml'), 'utf8')) as { service?: unknown };
    return typeof doc.service === 'string' && !doc.service.includes('${') ? doc.service : undefined;
  } catch {
    return undefined;
  }
}

/** Explains the errors users actually meet, next to the raw AWS message. */
export function hintFor(error: unknown, forwarder: string): string | undefined {
  const e = error as { name?: string; message?: string; cause?: { name?: string; message?: string } };
  const name = e.cause?.name ?? e.name;
  const message = e.cause?.message ?? e.message ?? '';
  if (name === 'InvalidParameterException' && /lambda|execute/i.test(message)) {
    return `is emf-fanout deployed for this stage and Region? The forwarder ${forwarder} must exist and allow logs.amazonaws.com to invoke it.`;
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') return 'the caller lacks a CloudWatch Logs permission (see "Security" in the README).';
  if (name === 'CredentialsProviderError') return 'no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.';
  if (name === 'ThrottlingException') return 'still throttled after retries: lower --concurrency and run again (it resumes where it stopped).';
  return undefined;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const err = (s: string) => io.stderr.write(`${s}\n`);
  let args: CliArgs;
  let settings: Settings;
  try {
    args = parseCliArgs(argv);
    if (args.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const paramsFile = resolve(io.cwd, args.params ?? io.env.EMF_FANOUT_PARAMS ?? 'config/params.yml');
    settings = args.ignoreParams
      ? {
          stackManagedNames: [],
          prefixes: [],
          patterns: [],
          tags: {},
          exclude: [],
          filterPattern: DEFAULT_FILTER_PATTERN,
          maxFilters: DEFAULT_MAX_FILTERS,
          permissionPattern: '*',
        }
      : loadSettings(paramsFile, args.stage);
  } catch (e) {
    if (e instanceof UsageError || e instanceof SettingsError) {
      err(`Error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }

  const service = args.service ?? readServiceName(io.cwd) ?? 'emf-fanout';
  const names = pipelineNames(service, args.stage);
  const region = args.region ?? settings.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (region === undefined) {
    err('Error: no Region: pass --region, set "region" in the params file, or set AWS_REGION');
    return 2;
  }
  const filterPattern = args.filterPattern ?? settings.filterPattern;
  const exclude = [...settings.exclude, ...args.exclude];
  const client = io.createClient ? io.createClient(region) : new CloudWatchLogsClient({ region });
  const backoff = io.backoff ?? DEFAULT_BACKOFF;
  const api = createLogsApi(client, backoff);
  const progress = createProgress(io.stderr);
  const mode = args.unsubscribe ? 'unsubscribe' : 'subscribe';

  try {
    if (args.accountPolicy) {
      const plan = await planAccountPolicy(
        client,
        api,
        { mode, names, filterPattern, exclude, ...(args.destinationArn ? { destinationArn: args.destinationArn } : {}) },
        backoff,
      );
      io.stdout.write(`${renderAccountPolicyPlan(plan)}\n`);
      if (mode === 'subscribe' && settings.permissionPattern !== '*') {
        err(
          `Warning: logsPermissionLogGroupPattern is "${settings.permissionPattern}", so the forwarder only accepts those log groups; ` +
            'an account-level policy delivers from every log group. Set it to "*" and deploy before applying.',
        );
      }
      if (!args.apply) {
        if (plan.action !== 'unchanged' && plan.action !== 'absent') io.stdout.write('\nNothing was changed. Run again with --apply to make this change.\n');
        return 0;
      }
      await applyAccountPolicy(client, plan, backoff);
      io.stdout.write(`\nApplied: account-level policy ${plan.action === 'unchanged' || plan.action === 'absent' ? 'left as is' : `${plan.action}d`}.\n`);
      return 0;
    }

    let rules;
    try {
      rules = buildSelectionRules({
        // Names from the params file are checked (the stack subscribes them); names from flags are subscribed here.
        names: [...settings.stackManagedNames, ...args.names],
        prefixes: [...settings.prefixes, ...args.prefixes],
        patterns: [...settings.patterns, ...args.patterns],
        tags: { ...settings.tags, ...buildSelectionRules({ tags: args.tags, pipelinePrefix: names.pipelineLogGroupPrefix }).tags },
        exclude,
        all: args.all,
        pipelinePrefix: names.pipelineLogGroupPrefix,
      });
    } catch (e) {
      if (e instanceof SelectionError) {
        err(`Error: ${e.message}`);
        return 2;
      }
      throw e;
    }
    if (isEmptySelection(rules)) {
      err(
        'Error: nothing selected: set subscribeLogGroupNames, …Prefixes, …Patterns or …Tags in the params file, ' +
          'or pass --name, --prefix, --pattern, --tag or --all',
      );
      return 2;
    }
    const plan = await buildPlan(api, {
      mode,
      rules,
      names,
      filterPattern,
      ...(args.destinationArn ? { destinationArn: args.destinationArn } : {}),
      maxFilters: args.maxFilters ?? settings.maxFilters,
      concurrency: args.concurrency,
      stackManaged: settings.stackManagedNames,
      progress,
    });
    io.stdout.write(`${renderPlan(plan)}\n`);
    const changes = plan.entries.filter((e) => e.action === 'subscribe' || e.action === 'update' || e.action === 'unsubscribe').length;
    if (!args.apply) {
      if (changes > 0) io.stdout.write('\nNothing was changed. Run again with --apply to make these changes.\n');
      return 0;
    }
    const report = await applyPlan(api, plan, { concurrency: args.concurrency, progress });
    io.stdout.write(`\n${renderReport(report)}\n`);
    const blocked = report.results.filter((r) => r.outcome === 'blocked').length + plan.entries.filter((e) => e.action === 'blocked').length;
    if (blocked > 0) err(`Warning: ${blocked} log group(s) blocked by the per-group filter limit; see the DETAIL column for the filters in the way.`);
    if (report.error) {
      const hint = hintFor(report.error, plan.target?.destinationArn ?? names.forwarderFunctionName);
      err(`Error: ${report.error.message}${hint ? `\nHint: ${hint}` : ''}\nStopped; ${report.notStarted} change(s) not started. Fix the cause and run again: finished changes are kept.`);
      return 1;
    }
    return 0;
  } catch (e) {
    const hint = hintFor(e, names.forwarderFunctionName);
    err(`Error: ${(e as Error).name}: ${(e as Error).message}${hint ? `\nHint: ${hint}` : ''}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
}
