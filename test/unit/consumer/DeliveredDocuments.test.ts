import { describe, expect, it } from 'vitest';
import { DeliveredDocuments, documentKey, originKey } from '../../../shared/consumer/DeliveredDocuments.ts';

const ctx = { owner: '123456789012', region: 'eu-west-1', logGroup: '/aws/lambda/orders', logStream: 's1' };
const O = originKey(ctx);

describe('DeliveredDocuments', () => {
  it('remembers how many data of a document are settled, and whether that is all', () => {
    const m = new DeliveredDocuments(10);
    m.remember(O, 'k', 3, false);
    expect(m.recall(m.of(O), 'k')).toEqual({ data: 3, complete: false });
    m.remember(O, 'k', 5, true);
    expect(m.recall(m.of(O), 'k')).toEqual({ data: 5, complete: true });
    expect([m.recall(m.of(O), 'other'), m.recall(m.of('elsewhere'), 'k'), m.size]).toEqual([undefined, undefined, 1]);
  });

  it('past its limit forgets the oldest entry first, across origins, and drops an origin left empty', () => {
    const m = new DeliveredDocuments(3);
    m.remember(O, 'a', 1, true);
    m.remember('other', 'b', 1, true);
    m.remember(O, 'a', 2, true); // an update keeps its place
    m.remember(O, 'c', 1, true);
    m.remember(O, 'd', 1, true); // forgets a
    m.remember(O, 'e', 1, true); // forgets b, and the origin "other"
    expect(['a', 'c', 'd', 'e'].map((k) => m.recall(m.of(O), k)?.data)).toEqual([undefined, 1, 1, 1]);
    expect([m.of('other'), m.size]).toEqual([undefined, 3]);
    for (let i = 0; i < 10; i++) m.remember(O, `x${i}`, 1, true); // the ring wraps around several times
    expect([m.size, m.recall(m.of(O), 'x9')?.data, m.recall(m.of(O), 'x6')]).toEqual([3, 1, undefined]);
  });

  it('limit 0 remembers nothing', () => {
    const m = new DeliveredDocuments(0);
    m.remember(O, 'a', 1, true);
    expect([m.size, m.recall(m.of(O), 'a')]).toEqual([0, undefined]);
  });
});

describe('originKey and documentKey', () => {
  it('tell apart log streams, accounts, event ids and ranks, and stay short whatever the id', () => {
    expect(new Set([O, originKey({ ...ctx, logStream: 's2' }), originKey({ ...ctx, owner: '210987654321' }), originKey({ ...ctx, logGroup: '/aws/lambda/orders\ns1', logStream: '' })]).size).toBe(4);
    const id = '3'.repeat(56);
    expect(documentKey(id, 0)).toBe(id); // the id itself: no new string
    const keys = [documentKey('1', 0), documentKey('1', 1), documentKey('11', 0), documentKey('1:1', 0), documentKey('1', 11)];
    expect(new Set(keys).size).toBe(keys.length);
    const huge = 'x'.repeat(1_000_000);
    expect(documentKey(huge, 0).length).toBeLessThan(64);
    expect(documentKey(huge, 0)).not.toBe(documentKey(`${huge}y`, 0));
    expect(documentKey(huge, 1)).not.toBe(documentKey(huge, 0));
  });
});
