import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { packDatagrams } from '../../../functions/consumers/statsd/pack.ts';
import { Tally } from '../../../shared/tally.ts';

describe('packDatagrams', () => {
  it('joins whole lines with \\n up to the limit, inclusive', () => {
    const ten = ['aaaa:1|c|x', 'bbbb:2|c|x', 'cccc:3|c|x']; // 10 bytes each
    expect(packDatagrams(ten, 21)).toEqual(['aaaa:1|c|x\nbbbb:2|c|x', 'cccc:3|c|x']);
    expect(packDatagrams(ten, 20)).toEqual(ten);
    expect(packDatagrams(ten, 32)).toEqual([ten.join('\n')]);
    expect(packDatagrams([], 1432)).toEqual([]);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const e = 'k:é|g'; // 6 bytes, 5 characters
    expect(packDatagrams([e, e], 12)).toEqual([e, e]);
    expect(packDatagrams([e, e], 13)).toEqual([`${e}\n${e}`]);
  });

  it('sends a line longer than the limit alone, and counts it', () => {
    const notes = new Tally();
    const long = `x:1|c|#${'t'.repeat(100)}`;
    expect(packDatagrams(['a:1|c', long, 'b:1|c'], 50, notes)).toEqual(['a:1|c', long, 'b:1|c']);
    expect(notes.counts).toEqual({ line_exceeds_datagram: 1 });
  });

  it('property: the lines come back in order and every datagram fits (unless it is one long line)', () => {
    const line = fc.string({ unit: fc.constantFrom('a', 'é', '東', '😀', ':', '|'), minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), fc.integer({ min: 1, max: 200 }), (lines, max) => {
        const datagrams = packDatagrams(lines, max);
        expect(datagrams.flatMap((d) => d.split('\n'))).toEqual(lines);
        for (const d of datagrams) if (d.includes('\n')) expect(Buffer.byteLength(d)).toBeLessThanOrEqual(max);
      }),
    );
  });
});
