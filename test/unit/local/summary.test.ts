/** The end-of-run account: what counts as loss (exit code 1) and how it is named. */
import { describe, expect, it } from 'vitest';
import { emptyForwarderStats, emptyProviderStats, exitCodeOf, lossesOf, renderSummary, type RunSummary } from '../../../local/summary.ts';

function run(over: (s: Omit<RunSummary, 'losses'>) => void): RunSummary {
  const esm = { invocations: 1, retries: 0, recordsProcessed: 3, recordsDiscarded: 0, functionErrors: 0, partialFailures: 0, discards: [] };
  const s: Omit<RunSummary, 'losses'> = {
    end: 'end-of-input',
    input: { logEvents: 10, blankLines: 0, issues: {}, examples: {} },
    forwarder: { ...emptyForwarderStats(), payloads: 2, emfDocuments: 4, forwardedDocuments: 4, records: 3, rejected: { unit_invalid: 1 }, examples: { unit_invalid: 'Unit "X"\nis not a unit' } },
    providers: [{ ...emptyProviderStats('prometheus', { ...esm }), documents: 4, data: 9, delivered: 9 }],
  };
  over(s);
  return { ...s, losses: lossesOf(s) };
}

describe('run summary', () => {
  it('rejected input is reported but is not loss', () => {
    const s = run(() => undefined);
    expect(s.losses).toEqual([]);
    expect(exitCodeOf(s)).toBe(0);
    const text = renderSummary(s);
    expect(text).toContain('unit_invalid: 1   e.g. Unit "X"\\nis not a unit');
    expect(text).toContain('prometheus   9 data points delivered; 9 data points from 4 documents handled; 3 records in 1 invocations, 0 retried');
    expect(text).toContain('result       nothing lost');
  });

  it('names each kind of loss with its provider and reason', () => {
    const s = run((x) => {
      x.forwarder.failedPayloads = 1;
      x.forwarder.lostEvents = 7;
      x.forwarder.errors = ['/aws/lambda/a s: payload too large'];
      const p = x.providers[0]!;
      p.dropped = { prometheus_rejected: 5 };
      p.examples = { prometheus_rejected: 'HTTP 400: out of bounds' };
      p.esm.discards = [{ shardId: 'shardId-000000000000', records: 2, firstSequenceNumber: '1', lastSequenceNumber: '2', attempts: 3, error: 'Task timed out after 10.00 seconds' }];
      p.recordsUnconsumed = 4;
    });
    expect(s.losses).toEqual([
      'forwarder: 7 log event(s) in 1 subscription payload(s) failed every attempt: /aws/lambda/a s: payload too large',
      'prometheus: 2 record(s) of shardId-000000000000 (1…2) discarded after 3 attempt(s): Task timed out after 10.00 seconds',
      'prometheus: 4 record(s) written to the stream were never processed (the run was stopped first)',
      'prometheus: 5 dropped as prometheus_rejected — HTTP 400: out of bounds',
    ]);
    expect(exitCodeOf(s)).toBe(1);
    expect(renderSummary(s)).toContain('result       LOSS (4):');
  });
});
