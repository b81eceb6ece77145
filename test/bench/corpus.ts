/**
 * The benchmark corpus: CloudWatch-sized subscription payloads built from the fixture generator's
 * real producer output, mixed as a Lambda function's log looks: per invocation START, a few
 * application lines, one or two EMF documents, END and REPORT.
 */
import { gzipSync } from 'node:zlib';
import type { FixtureLine } from '../fixtures/types.ts';

export interface BenchBatch {
  event: { awslogs: { data: string } };
  events: number;
  /** Indexes of events holding valid EMF, and the offset of the document in each message. */
  emf: { index: number; offset: number }[];
  decompressedBytes: number;
}

/** The corpus every stage measures. */
export const CORPUS = { batches: 10, eventsPerBatch: 2_000 } as const;

export function buildBatches(lines: readonly FixtureLine[], opts: { batches: number; eventsPerBatch: number }): BenchBatch[] {
  const emf = lines.filter((l) => l.expect.kind === 'emf' && l.source !== 'runtime-json');
  const plain = lines.filter((l) => l.expect.kind === 'plain');
  const platform = lines.filter((l) => l.expect.kind === 'platform' && l.source === 'platform-text');
  const start = platform.filter((l) => l.message.startsWith('START'));
  const end = platform.filter((l) => l.message.startsWith('END'));
  const report = platform.filter((l) => l.message.startsWith('REPORT'));
  if (!emf.length || !plain.length || !start.length || !end.length || !report.length) throw new Error('fixture lines lack a kind the corpus needs');
  const pick = <T>(a: readonly T[], i: number): T => a[i % a.length]!;

  const out: BenchBatch[] = [];
  let seq = 0;
  for (let b = 0; b < opts.batches; b++) {
    const messages: string[] = [];
    const emfAt: { index: number; offset: number }[] = [];
    for (let inv = 0; messages.length < opts.eventsPerBatch; inv++) {
      messages.push(pick(start, inv).message);
      for (let k = 0; k < 3; k++) messages.push(pick(plain, inv * 3 + k).message);
      for (let k = 0; k < 1 + (inv % 2); k++) {
        const m = pick(emf, inv * 2 + k + b).message;
        emfAt.push({ index: messages.length, offset: m.indexOf('{') });
        messages.push(m);
      }
      messages.push(pick(end, inv).message, pick(report, inv).message);
    }
    messages.length = opts.eventsPerBatch;
    const kept = emfAt.filter((e) => e.index < messages.length);
    const payload = JSON.stringify({
      messageType: 'DATA_MESSAGE', owner: '123456789012', logGroup: '/aws/lambda/checkout-api',
      logStream: `2026/11/23/[$LATEST]${(b + 1).toString(16).padStart(32, '0')}`, subscriptionFilters: ['emf-fanout'],
      logEvents: messages.map((message, i) => ({ id: String(38_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000n + BigInt(seq++)), timestamp: 1_763_900_000_000 + i, message })),
    });
    out.push({
      event: { awslogs: { data: gzipSync(payload, { level: 6 }).toString('base64') } },
      events: messages.length,
      emf: kept,
      decompressedBytes: Buffer.byteLength(payload),
    });
  }
  return out;
}
