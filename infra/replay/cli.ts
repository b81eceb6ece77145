/**
 * `npm run replay -- …`: lists, then (with --apply) replays, what this stage's functions parked after Lambda
 * gave up (docs/replay.md). Exit codes, as `npm run subscribe`'s: 0 done, or nothing to do, or plan printed;
 * 1 some items could not be replayed (each with its reason) or an AWS call failed; 2 bad usage or settings.
 * The plan, results and summary go to stdout, progress and errors to stderr.
 */
import '../nodeVersion.ts'; // first: an unsupported Node.js stops here, with one line
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createKinesisClient } from '../../shared/kinesis/client.ts';
import { createProgress, type ProgressStream } from '../../shared/subscriptions/progress.ts';
import { discoverConsumers, RegistrationError } from '../serverless/registry.ts';
import { readServiceName } from '../subscribe/cli.ts';
import { loadSettings, SettingsError } from '../subscribe/settings.ts';
import { parseReplayArgs, type ReplayArgs, USAGE, UsageError } from './args.ts';
import type { ItemResult, ReplayItem, Source } from './items.ts';
import { ShardReader, type ShardReaderOptions } from './ShardReader.ts';
import { findSources, type ReplayClients, SourceError } from './sources.ts';
import { renderPlan, renderResults, renderSummary } from './table.ts';

export interface ReplayIo {
  stdout: { write(s: string): unknown };
  stderr: ProgressStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Directory holding serverless.yml and config/. */
  cwd: string;
  /** Injected by tests; real clients otherwise (Kinesis over HTTP/1.1, shared/kinesis/client.ts). */
  createClients?: (region: string) => ReplayClients;
  /** Tests shorten the pause between GetRecords calls on a shard. */
  shardReader?: ShardReaderOptions;
  /** Long-polling wait of each ReceiveMessage, seconds (tests: 0). */
  sqsWaitSeconds?: number;
}

const realClients = (region: string): ReplayClients => ({
  s3: new S3Client({ region }),
  sqs: new SQSClient({ region }),
  lambda: new LambdaClient({ region }),
  kinesis: createKinesisClient({ region }),
});

/** Explains the errors users actually meet, next to the raw AWS message. */
function hintFor(error: unknown): string | undefined {
  const name = (error as { name?: string }).name;
  if (name === 'AccessDeniedException' || name === 'AccessDenied') return 'the caller lacks a permission replay needs: see docs/deploy.md#operator-policy-for-replay.';
  if (name === 'CredentialsProviderError') return 'no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.';
  if (name === 'ResourceNotFoundException') return 'is emf-fanout deployed for this stage and Region?';
  return undefined;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

export async function runReplay(argv: readonly string[], io: ReplayIo): Promise<number> {
  const err = (s: string) => io.stderr.write(`${s}\n`);
  let args: ReplayArgs;
  let region: string | undefined;
  let knownConsumers: string[];
  try {
    args = parseReplayArgs(argv);
    if (args.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const settings = loadSettings(resolve(io.cwd, args.params ?? io.env.EMF_FANOUT_PARAMS ?? 'config/params.yml'), args.stage);
    region = args.region ?? settings.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
    knownConsumers = (await discoverConsumers()).map((c) => c.functionKey);
    const unknown = args.consumers.filter((c) => !knownConsumers.includes(c));
    if (unknown.length > 0) throw new UsageError(`--consumer ${unknown[0]} is not a consumer of this repository (known: ${knownConsumers.join(', ')})`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof SettingsError || e instanceof RegistrationError) {
      err(`Error: ${oneLine(e.message)} (npm run replay -- --help)`);
      return 2;
    }
    throw e;
  }
  if (region === undefined) {
    err('Error: no Region: pass --region, set "region" in the params file, or set AWS_REGION');
    return 2;
  }

  const service = args.service ?? readServiceName(io.cwd) ?? 'emf-fanout';
  const clients = (io.createClients ?? realClients)(region);
  const progress = createProgress(io.stderr);
  const reader = new ShardReader(clients.kinesis, io.shardReader);
  const results: ItemResult[] = [];
  let sources: Source[] = [];
  let notStarted = 0;
  try {
    const found = await findSources(args, {
      service, knownConsumers, clients, reader, ...(io.sqsWaitSeconds !== undefined ? { sqsWaitSeconds: io.sqsWaitSeconds } : {}),
    });
    sources = found.sources.map((s) => s.source);
    const work: { source: Source; item: ReplayItem }[] = [];
    for (const { source, line } of found.sources) {
      const c = await source.collect(args, progress);
      line.notSelected = c.notSelected;
      for (const item of c.items) work.push({ source, item });
    }
    io.stdout.write(`${renderPlan(work.map((w) => w.item), found.lines)}\n`);
    if (!args.apply && !args.dryRun) {
      if (work.length > 0) io.stdout.write('\nNothing was replayed. Run again with --dry-run to read and count everything, or --apply to replay.\n');
      return 0;
    }
    if (work.length > 0) progress.start(args.apply ? 'Replaying' : 'Reading', work.length);
    notStarted = work.length;
    for (const { source, item } of work) {
      results.push(await source.replay(item, args.apply ? 'apply' : 'dry-run'));
      notStarted--;
      progress.tick();
    }
    progress.done();
    io.stdout.write(`\n${renderResults(results)}\n\n${renderSummary(results, found.lines)}\n`);
    const left = results.filter((r) => r.outcome === 'left').length;
    if (left > 0) {
      err(`${left} item(s) ${args.apply ? 'were not replayed' : 'could not be replayed'}: see the RESULT and DETAIL columns. They are kept where they were.`);
      return 1;
    }
    if (args.dryRun && work.length > 0) io.stdout.write('\nNothing was replayed. Run again with --apply to replay.\n');
    return 0;
  } catch (e) {
    progress.done();
    if (results.length > 0) io.stdout.write(`\n${renderResults(results)}\n`);
    const hint = e instanceof SourceError ? undefined : hintFor(e);
    err(`Error: ${(e as Error).name}: ${oneLine((e as Error).message)}${hint ? `\nHint: ${hint}` : ''}`);
    if (notStarted > 0) err(`Stopped; ${notStarted} item(s) not finished. Fix the cause and run again: replayed items are deleted, so a new run takes up the rest.`);
    return 1;
  } finally {
    let unreleased = 0;
    for (const s of sources) unreleased += await s.release().catch(() => 1);
    if (unreleased > 0) err(`Warning: ${unreleased} queue message(s) could not be made visible again; they reappear when their visibility timeout ends.`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runReplay(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
}
