/**
 * `npm run replay`'s modes, filters and exit codes (f), against the same stage as replay.test.ts: the plan and
 * --dry-run change nothing, --since/--until/--log-group select, bad usage exits 2 with one line, and whatever
 * cannot be replayed is kept and reported with exit 1.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_OBJECT_BYTES } from '../../../infra/replay/ForwarderSource.ts';
import { asyncRecordKey } from '../../helpers/parkedRecords.ts';
import { startKinesalite, type Kinesalite } from '../../helpers/kinesalite.ts';
import { CONSUMER, emfEvent, range, replayWorld, type ReplayWorld } from './replayWorld.ts';

let k: Kinesalite;
let w: ReplayWorld;
beforeAll(async () => {
  k = await startKinesalite();
});
afterAll(async () => {
  await k?.close();
});
afterEach(() => w?.close());

const HOUR = 3_600_000;
const planRows = (stdout: string) => stdout.split('\n').filter((l) => /^(will replay|cannot replay: \S+) {2}/.test(l));
const resultRows = (stdout: string) => stdout.split('\n').filter((l) => /^(replayed|would replay|left: \S+|gone) {2}/.test(l));

/** Two forwarder items (orders 3 h ago, payments 1 h ago) and one consumer item (orders), Kinesis up. */
async function parkedStage() {
  w = await replayWorld(k);
  const now = Date.now();
  await w.parkForwarderFailure(emfEvent('/aws/lambda/orders-api', range(1, 10)), new Date(now - 3 * HOUR));
  await w.parkForwarderFailure(emfEvent('/aws/lambda/payments', range(11, 5)), new Date(now - HOUR));
  await w.createStream();
  const batch = await w.parkConsumerFailure(emfEvent('/aws/lambda/orders-worker', range(21, 7)));
  return { batch, streamRecords: (await w.readStream()).length };
}

async function expectNothingChanged(streamRecords: number) {
  expect(w.bucket.objects.size).toBe(2);
  expect(w.bucket.deleted).toEqual([]);
  expect(w.queue.visible()).toHaveLength(1); // received, then made visible again at once
  expect(w.lambda.invocations).toEqual([]);
  expect((await w.readStream()).length).toBe(streamRecords);
  expect(w.delivered()).toEqual([]);
}

describe('npm run replay: modes', () => {
  it('plans by default: one row per parked item, where each source parks, and nothing changed', async () => {
    const { streamRecords } = await parkedStage();
    const r = await w.run([]);
    expect(r.code, r.stderr).toBe(0);
    const rows = planRows(r.stdout);
    expect(rows).toHaveLength(3);
    expect(rows.filter((l) => /\/aws\/lambda\/orders-api\s/.test(l) && l.includes('RetriesExhausted'))).toHaveLength(1);
    expect(rows.filter((l) => l.includes(CONSUMER) && l.includes('RetryAttemptsExhausted'))).toHaveLength(1);
    expect(r.stdout).toContain(`forwarder: s3://${w.bucket.name}/aws/lambda/async/${w.names.forwarder}/`);
    expect(r.stdout).toContain(`${CONSUMER}: ${w.queue.url}`);
    expect(r.stdout).toContain('prometheus: not deployed in this stage');
    expect(r.stdout).toContain('Nothing was replayed.');
    await expectNothingChanged(streamRecords);
  });

  it('--dry-run reads and decodes everything and counts log events, records and documents, writing nothing', async () => {
    const { batch, streamRecords } = await parkedStage();
    const r = await w.run(['--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const rows = resultRows(r.stdout);
    expect(rows).toHaveLength(3);
    expect(rows.every((l) => l.startsWith('would replay'))).toBe(true);
    expect(r.stdout).toMatch(/forwarder\s+2\s+2\s+15\s+-\s+0\s+0/); // SOURCE ITEMS WOULD-REPLAY EVENTS DOCUMENTS(unknown before the forwarder runs) EXPIRED LEFT
    expect(r.stdout).toMatch(new RegExp(`${CONSUMER}\\s+1\\s+1\\s+${batch.length}\\s+7\\s+0\\s+0`)); // … EVENTS(records) DOCUMENTS EXPIRED LEFT
    await expectNothingChanged(streamRecords);
  });
});

describe('npm run replay: filters', () => {
  it('--since and --until select forwarder items by the time in their key', async () => {
    await parkedStage();
    const recent = await w.run(['--forwarder', '--since', '2h']);
    expect(planRows(recent.stdout)).toEqual([expect.stringMatching(/\/aws\/lambda\/payments/)]);
    // Keys sort by time, so listing starts after --since: older items are not even listed.
    expect(recent.stdout).not.toContain('orders-api');
    const older = await w.run(['--forwarder', '--until', new Date(Date.now() - 2 * HOUR).toISOString()]);
    expect(planRows(older.stdout)).toEqual([expect.stringMatching(/\/aws\/lambda\/orders-api/)]);

    const applied = await w.run(['--forwarder', '--since', '2h', '--apply']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(w.bucket.objects.size).toBe(1);
    await w.consumeStream();
    expect(w.delivered()).toEqual(range(11, 5));
  });

  it('--log-group selects by the documents\' log group: decoded from the payload (forwarder) and from the records (consumer)', async () => {
    await parkedStage();
    const plan = await w.run(['--log-group', '/aws/lambda/orders-*']);
    const rows = planRows(plan.stdout);
    expect(rows).toHaveLength(2);
    expect(rows.some((l) => l.includes('/aws/lambda/orders-api'))).toBe(true);
    expect(rows.some((l) => l.includes('/aws/lambda/orders-worker'))).toBe(true);
    expect(plan.stdout).toContain('not selected: 1 other log group');

    const exact = await w.run(['--log-group', '/aws/lambda/payments', '--apply']);
    expect(exact.code, exact.stderr).toBe(0);
    expect(resultRows(exact.stdout)).toEqual([expect.stringMatching(/^replayed\s+forwarder\s.*\/aws\/lambda\/payments/)]);
    expect(w.bucket.objects.size).toBe(1);
    expect(w.queue.messages).toHaveLength(1);
  });
});

describe('npm run replay: exit codes', () => {
  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--since', 'yesterday'], /--since must be an ISO 8601 time/],
    [['--apply', '--dry-run'], /exclude each other/],
    [['--consumer', 'nope'], /--consumer nope is not a consumer of this repository/],
    [['--drop-expired'], /use it with --apply/],
    [['--visibility-timeout', '5'], /--visibility-timeout must be/],
  ])('bad usage %j: exit 2 with one line on stderr', async (args, message) => {
    w = await replayWorld(k);
    const r = await w.run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  it('an object that is not an invocation record, or too large to be one, is kept and reported (exit 1); an object too large is never read', async () => {
    w = await replayWorld(k);
    await w.createStream();
    w.bucket.put(asyncRecordKey(w.names.forwarder, new Date()), 'not json');
    w.bucket.put(asyncRecordKey(w.names.forwarder, new Date()), Buffer.alloc(MAX_OBJECT_BYTES + 1, 0x20));
    const r = await w.run(['--apply', '--forwarder']);
    expect(r.code).toBe(1);
    expect(resultRows(r.stdout).map((l) => l.split(/ {2,}/)[0]).sort()).toEqual(['left: object_too_large', 'left: record_json_invalid']);
    expect(w.bucket.objects.size).toBe(2);
    expect(w.bucket.bytesRead.every((n) => n <= 'not json'.length)).toBe(true);
    expect(w.lambda.invocations).toEqual([]);
  });

  it('an event the forwarder fails on again is kept, with the function\'s error (exit 1)', async () => {
    w = await replayWorld(k); // the stream still does not exist
    await w.parkForwarderFailure(emfEvent('/aws/lambda/orders', range(1, 3)));
    const r = await w.run(['--apply']);
    expect(r.code).toBe(1);
    expect(resultRows(r.stdout)).toEqual([expect.stringMatching(/^left: function_error\s.*the forwarder failed again: KinesisWriteError: "could not write/)]);
    expect(w.bucket.objects.size).toBe(1);
  });

  it('a consumer named but not deployed in the stage: exit 1 with the reason', async () => {
    w = await replayWorld(k);
    const r = await w.run(['--consumer', 'prometheus']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('consumer prometheus is not deployed in stage dev');
  });

  it('an AWS call that fails stops the run with the error and a hint (exit 1); nothing is lost', async () => {
    await parkedStage();
    w.lambda.denyInvoke.add(w.names.forwarder);
    const r = await w.run(['--apply', '--forwarder']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: AccessDeniedException: User is not authorized to perform: lambda:InvokeFunction');
    expect(r.stderr).toContain('Hint: the caller lacks a permission replay needs: see docs/deploy.md#operator-policy-for-replay.');
    expect(r.stderr).toContain('Stopped; 2 item(s) not finished.');
    expect(w.bucket.objects.size).toBe(2);
  });

  it('a forwarder whose on-failure destination is not a bucket (an older deployment): exit 1 naming it', async () => {
    w = await replayWorld(k);
    w.lambda.functions.get(w.names.forwarder)!.onFailure = 'arn:aws:sqs:eu-west-1:123456789012:emf-fanout-dev-forwarder-failures';
    const r = await w.run(['--forwarder']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("emf-fanout-dev-forwarder's on-failure destination is arn:aws:sqs:eu-west-1:123456789012:emf-fanout-dev-forwarder-failures, not an S3 bucket");
  });

  it('npm run replay, as the package script runs it: --help prints the usage (exit 0), bad usage one line (exit 2)', () => {
    const root = join(import.meta.dirname, '../../..');
    const help = spawnSync('npm', ['run', '--silent', 'replay', '--', '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run replay -- \[options\]/);
    const bad = spawnSync('npm', ['run', '--silent', 'replay', '--', '--since', 'soon'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n').filter((l) => l.startsWith('Error:'))).toEqual(['Error: --since must be an ISO 8601 time (2026-12-01T10:00Z) or an age (30m, 6h, 2d), got "soon" (npm run replay -- --help)']);
  });
});
