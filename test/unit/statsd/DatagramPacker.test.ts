import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DatagramPacker, packDatagrams } from '../../../functions/consumers/statsd/DatagramPacker.ts';
import { Tally } from '../../../shared/tally.ts';

/**
 * The definition, written plainly: in order, a line joins the current datagram if the datagram
 * with it is at most `max` bytes, else it starts the next one.
 */
function definition(lines: readonly string[], max: number): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (current.length > 0 && Buffer.byteLength([...current, line].join('\n')) > max) {
      out.push(current.join('\n'));
      current = [];
    }
    current.push(line);
  }
  if (current.length > 0) out.push(current.join('\n'));
  return out;
}

const line = fc.string({ unit: fc.constantFrom('a', 'é', '東', '😀', ':', '|'), minLength: 0, maxLength: 40 });

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
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), fc.integer({ min: 1, max: 200 }), (lines, max) => {
        const datagrams = packDatagrams(lines, max);
        expect(datagrams.flatMap((d) => d.split('\n'))).toEqual(lines);
        for (const d of datagrams) if (d.includes('\n')) expect(Buffer.byteLength(d)).toBeLessThanOrEqual(max);
      }),
    );
  });

  it('property: the datagrams of the definition, and every line longer than the limit counted', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), fc.integer({ min: 1, max: 200 }), (lines, max) => {
        const notes = new Tally();
        expect(packDatagrams(lines, max, notes)).toEqual(definition(lines, max));
        expect(notes.counts.line_exceeds_datagram ?? 0).toBe(lines.filter((l) => Buffer.byteLength(l) > max).length);
      }),
    );
  });
});

describe('DatagramPacker', () => {
  it('takes each line with its byte length and measures nothing itself', () => {
    const p = new DatagramPacker(12);
    p.add('a:1|c', 5);
    p.add('b:2|c', 5); // 11 bytes with the separator: fits
    p.add('c:3|c', 5);
    expect(p.finish()).toEqual(['a:1|c\nb:2|c', 'c:3|c']);
    // Told larger lengths, it packs by them.
    p.add('a:1|c', 6);
    p.add('b:2|c', 6);
    expect(p.finish()).toEqual(['a:1|c', 'b:2|c']);
  });

  it('finish hands out the datagrams so far and starts afresh', () => {
    const p = new DatagramPacker(1432);
    expect(p.finish()).toEqual([]);
    p.add('a:1|c', 5);
    expect(p.finish()).toEqual(['a:1|c']);
    p.add('b:2|c', 5);
    expect(p.finish()).toEqual(['b:2|c']);
  });

  it('property: fed in any pieces, the same datagrams as packDatagrams', () => {
    fc.assert(
      fc.property(fc.array(fc.array(line, { minLength: 1, maxLength: 20 }), { maxLength: 5 }), fc.integer({ min: 1, max: 200 }), (batches, max) => {
        const p = new DatagramPacker(max);
        for (const batch of batches) {
          for (const l of batch) p.add(l, Buffer.byteLength(l));
          expect(p.finish()).toEqual(packDatagrams(batch, max));
        }
      }),
    );
  });
});
