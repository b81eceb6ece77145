/**
 * Lines → datagrams: whole lines joined with `\n`, each datagram at most `maxBytes` UTF-8 bytes.
 * A line is never split (a receiver would read half a line as a malformed metric); a single
 * line longer than `maxBytes` travels alone and is counted, since a receiver with a smaller
 * buffer (the Datadog Agent's 8192 bytes) may truncate it.
 */
import type { Tally } from '../../../shared/tally.ts';

/** Reasons counted while packing. */
export const PACK_NOTES = {
  /** A line alone is larger than `STATSD_MAX_DATAGRAM_BYTES`; it is sent in a datagram of its own. */
  line_exceeds_datagram: 'line',
} as const;

/**
 * @example packDatagrams(['a:1|c', 'b:2|c'], 1432) // ['a:1|c\nb:2|c']
 */
export function packDatagrams(lines: readonly string[], maxBytes: number, notes?: Tally): string[] {
  const out: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const b = Buffer.byteLength(line);
    if (b > maxBytes) notes?.add('line_exceeds_datagram', `${b} bytes > ${maxBytes}: ${line.slice(0, 120)}`);
    if (i === start) {
      bytes = b;
    } else if (bytes + 1 + b <= maxBytes) {
      bytes += 1 + b;
    } else {
      out.push(join(lines, start, i));
      start = i;
      bytes = b;
    }
  }
  if (start < lines.length) out.push(join(lines, start, lines.length));
  return out;
}

/** The lines `from`..`to` as one flat string (`join` builds it in one go; `+=` would leave a rope to flatten later). */
function join(lines: readonly string[], from: number, to: number): string {
  if (to - from === 1) return lines[from]!;
  return lines.slice(from, to).join('\n');
}
