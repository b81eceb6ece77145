/**
 * docs/replay.md's "Examples", run as written against a stage with parked items (replayWorld.ts: the real
 * forwarder and consumer core, kinesalite, in-memory S3/SQS/Lambda). Each line of the block is matched to a case
 * below, so a new example without a test fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startKinesalite, type Kinesalite } from '../../helpers/kinesalite.ts';
import { emfEvent, range, replayWorld, type ReplayWorld } from './replayWorld.ts';

const ROOT = join(import.meta.dirname, '../../..');
const DOC = readFileSync(join(ROOT, 'docs/replay.md'), 'utf8');

/** The command lines of the code block of the "Examples" section, comments cut. */
function exampleLines(): string[] {
  const start = DOC.indexOf('## Examples');
  const section = DOC.slice(start, DOC.indexOf('\n## ', start + 3));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '');
}

/** `npm run replay -- a 'b c'` → `['a', 'b c']`: words, single quotes as a shell reads them. */
const argvOf = (line: string) => [...line.slice(line.indexOf(' -- ') + 4).matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);

const HOUR = 3_600_000;
let k: Kinesalite;
let w: ReplayWorld;
beforeAll(async () => {
  k = await startKinesalite();
});
afterAll(async () => {
  await k?.close();
});
afterEach(() => {
  vi.useRealTimers();
  w?.close();
});

const rows = (stdout: string, re: RegExp) => stdout.split('\n').filter((l) => re.test(l));

/** Stage prod: a forwarder event parked 8 h ago and one 1 h ago (Kinesis was down), a consumer batch of orders-worker and one of payments. */
async function parked() {
  w = await replayWorld(k, { stage: 'prod' });
  await w.parkForwarderFailure(emfEvent('/aws/lambda/orders-api', range(1, 4)), new Date(Date.now() - 8 * HOUR));
  await w.parkForwarderFailure(emfEvent('/aws/lambda/orders-api', range(5, 4)), new Date(Date.now() - HOUR));
  await w.createStream();
  await w.parkConsumerFailure(emfEvent('/aws/lambda/orders-worker', range(101, 3)));
  await w.parkConsumerFailure(emfEvent('/aws/lambda/payments', range(201, 3)));
  return (await w.readStream()).length;
}

describe('docs/replay.md: Examples, line by line', () => {
  const lines = exampleLines();
  const covered = new Set<string>();
  const example = (line: string) => {
    expect(lines, 'docs/replay.md still shows this example').toContain(line);
    covered.add(line);
    return argvOf(line);
  };
  afterAll(() => expect([...lines].filter((l) => !covered.has(l)), 'examples without a test').toEqual([]));

  it('the plan', async () => {
    const records = await parked();
    const r = await w.run(example('npm run replay -- --stage prod'));
    expect(r.code, r.stderr).toBe(0);
    expect(rows(r.stdout, /^will replay {2}/)).toHaveLength(4);
    expect(w.bucket.objects.size).toBe(2);
    expect(w.queue.visible()).toHaveLength(2);
    expect((await w.readStream()).length).toBe(records);
  });

  it('--dry-run', async () => {
    const records = await parked();
    const r = await w.run(example('npm run replay -- --stage prod --dry-run'));
    expect(r.code, r.stderr).toBe(0);
    expect(rows(r.stdout, /^would replay {2}/)).toHaveLength(4);
    expect(w.lambda.invocations).toEqual([]);
    expect(w.bucket.objects.size).toBe(2);
    expect(w.queue.visible()).toHaveLength(2);
    expect((await w.readStream()).length).toBe(records);
  });

  it('--apply: everything, each datum once', async () => {
    await parked();
    const r = await w.run(example('npm run replay -- --stage prod --apply'));
    expect(r.code, r.stderr).toBe(0);
    expect(rows(r.stdout, /^replayed {2}/)).toHaveLength(4);
    expect(w.bucket.objects.size).toBe(0);
    expect(w.queue.messages).toHaveLength(0);
    // The consumer items arrived through the replay; the forwarder's through the records it wrote just now.
    expect(w.delivered()).toEqual([...range(101, 3), ...range(201, 3)]);
    await w.consumeStream();
    expect(w.delivered()).toEqual([...range(1, 8), ...range(101, 3), ...range(201, 3)]);
  });

  it('--forwarder --since 6h', async () => {
    await parked();
    const r = await w.run(example('npm run replay -- --stage prod --apply --forwarder --since 6h'));
    expect(r.code, r.stderr).toBe(0);
    expect(rows(r.stdout, /^replayed {2}/)).toEqual([expect.stringMatching(/^replayed\s+forwarder\s/)]);
    expect(w.bucket.objects.size).toBe(1); // the event of 8 hours ago stays
    expect(w.queue.messages).toHaveLength(2);
  });

  it('--consumer example-http --log-group', async () => {
    await parked();
    const r = await w.run(example("npm run replay -- --stage prod --apply --consumer example-http --log-group '/aws/lambda/orders-*'"));
    expect(r.code, r.stderr).toBe(0);
    expect(rows(r.stdout, /^replayed {2}/)).toEqual([expect.stringMatching(/\/aws\/lambda\/orders-worker/)]);
    expect(w.delivered()).toEqual(range(101, 3));
    expect(w.queue.messages).toHaveLength(1);
    expect(w.bucket.objects.size).toBe(2);
  });

  it('--drop-expired', async () => {
    await parked();
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 25 * HOUR); // past the stream's 24-hour retention
    const r = await w.run(example('npm run replay -- --stage prod --apply --consumer example-http --drop-expired'));
    expect(r.code, r.stderr).toBe(0);
    expect(rows(r.stdout, /^replayed {2}.*past the stream's retention/)).toHaveLength(2);
    expect(w.queue.messages).toHaveLength(0);
    expect(w.delivered()).toEqual([]);
  });
});

describe('README.md: the replay example', () => {
  it('shows only lines that docs/replay.md shows, and so are run above', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const shown = readme.split('\n').filter((l) => l.startsWith('npm run replay')).map((l) => l.replace(/\s+#.*$/, '').trim());
    expect(shown.length).toBeGreaterThan(0);
    expect(exampleLines()).toEqual(expect.arrayContaining(shown));
  });
});
