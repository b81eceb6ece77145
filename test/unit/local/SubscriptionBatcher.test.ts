/** Input events → genuine subscription events: one stream per payload, chronological, within CloudWatch's batch limits. */
import { describe, expect, it } from 'vitest';
import { decodeSubscriptionEvent } from '../../../shared/cloudwatch/subscription.ts';
import { localEventId, SubscriptionBatcher, type SubscriptionBatch } from '../../../local/input/SubscriptionBatcher.ts';

const decode = (b: SubscriptionBatch) => decodeSubscriptionEvent(b.event, 64 * 1024 * 1024);
const ev = (logStream: string, timestamp: number, message: string, id?: string) => ({ logGroup: '/aws/lambda/app', logStream, timestamp, message, ...(id && { id }) });

describe('SubscriptionBatcher', () => {
  it('builds payloads the forwarder decodes: one per log stream, events in time order, ids kept or made up', () => {
    // Prepare
    const b = new SubscriptionBatcher({ owner: '111122223333', subscriptionFilters: ['f'] });

    // Act
    const early = [ev('s1', 20, 'late'), ev('s2', 5, 'other'), ev('s1', 10, 'early', 'given-id')].flatMap((e) => b.add(e));
    const batches = b.flush();

    // Assess
    expect(early).toEqual([]);
    const payloads = batches.map(decode);
    expect(payloads.map((p) => [p.logStream, p.logEvents.map((e) => e.message)])).toEqual([['s1', ['early', 'late']], ['s2', ['other']]]);
    expect(payloads[0]).toMatchObject({ messageType: 'DATA_MESSAGE', owner: '111122223333', logGroup: '/aws/lambda/app', subscriptionFilters: ['f'] });
    expect(payloads[0]!.logEvents[0]!.id).toBe('given-id');
    expect(payloads[0]!.logEvents[1]!.id).toMatch(/^\d{56}$/);
    expect(batches.map((x) => x.events)).toEqual([2, 1]);
    expect(b.pendingEvents).toBe(0);
  });

  it('cuts a stream’s batch at 10,000 events and at 1,048,576 bytes counted as PutLogEvents counts them', () => {
    const byCount = new SubscriptionBatcher({ owner: 'o', subscriptionFilters: [] });
    const cut: SubscriptionBatch[] = [];
    for (let i = 0; i < 10_001; i++) cut.push(...byCount.add(ev('s', i, 'x')));
    expect(cut.map((c) => c.events)).toEqual([10_000]);
    expect(byCount.flush().map((c) => c.events)).toEqual([1]);

    const bySize = new SubscriptionBatcher({ owner: 'o', subscriptionFilters: [] });
    const message = 'm'.repeat(100_000 - 26); // 100,000 bytes each with the per-event overhead
    const sized: SubscriptionBatch[] = [];
    for (let i = 0; i < 11; i++) sized.push(...bySize.add(ev('s', i, message)));
    sized.push(...bySize.flush());
    expect(sized.map((c) => c.events)).toEqual([10, 1]);
  });

  it('sends an event larger than a whole batch alone', () => {
    const b = new SubscriptionBatcher({ owner: 'o', subscriptionFilters: [], maxBytes: 1_000 });
    const out = [...b.add(ev('s', 1, 'small')), ...b.add(ev('s', 2, 'L'.repeat(5_000))), ...b.add(ev('s', 3, 'after'))];
    out.push(...b.flush());
    expect(out.map((x) => decode(x).logEvents.map((e) => e.message.length))).toEqual([[5], [5_000], [5]]);
  });
});

describe('localEventId', () => {
  it('is 56 digits, starts with the timestamp, and never repeats', () => {
    const ids = Array.from({ length: 1_000 }, () => localEventId(1_735_689_600_123));
    expect(new Set(ids).size).toBe(1_000);
    for (const id of ids) expect(id).toMatch(/^1735689600123\d{43}$/);
  });
});
