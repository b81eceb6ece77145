/**
 * Lines → datagrams: whole lines joined with `\n`, each datagram at most `maxBytes` UTF-8 bytes.
 * A line is never split (a receiver would read half a line as a malformed metric); a single
 * line longer than `maxBytes` travels alone and is counted, since a receiver with a smaller
 * buffer (the Datadog Agent's 8192 bytes) may truncate it.
 *
 * The serialiser hands each line over with its byte length, added up from the line's cached
 * parts, so the packer measures nothing (`Buffer.byteLength` would flatten each line, built with
 * `+`, into a copy of its own). A line is copied once, by the `join` that makes its datagram one
 * flat string, which the socket write then encodes. Appending the lines to the datagram with `+`
 * instead only moves that copy into the socket write's `Buffer.from`, which then flattens a rope
 * of several pieces per line: measured no faster.
 */
import type { Tally } from '../../../shared/tally.ts';
import type { LineSink } from './StatsdSerialiser.ts';

/** Reasons counted while packing. */
const PACK_NOTES = {
  /** A line alone is larger than `STATSD_MAX_DATAGRAM_BYTES`; it is sent in a datagram of its own. */
  line_exceeds_datagram: 'line',
} as const;

/**
 * Packs lines as they come, in order.
 *
 * @example
 * const p = new DatagramPacker(1432);
 * p.add('a:1|c', 5);
 * p.add('b:2|c', 5);
 * p.finish(); // ['a:1|c\nb:2|c']
 */
export class DatagramPacker implements LineSink {
  private out: string[] = [];
  /** The lines of the datagram being filled, and its byte length. */
  private lines: string[] = [];
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly notes?: Tally,
  ) {}

  /** Adds `line`, whose UTF-8 byte length is `bytes` (not checked: the caller knows it). */
  add(line: string, bytes: number): void {
    if (bytes > this.maxBytes) this.notes?.add('line_exceeds_datagram', `${bytes} bytes > ${this.maxBytes}: ${line.slice(0, 120)}`);
    if (this.lines.length > 0 && this.bytes + 1 + bytes > this.maxBytes) this.close();
    this.bytes = this.lines.length === 0 ? bytes : this.bytes + 1 + bytes;
    this.lines.push(line);
  }

  /** The datagrams of every line added; the packer is empty again. */
  finish(): string[] {
    if (this.lines.length > 0) this.close();
    const out = this.out;
    this.out = [];
    return out;
  }

  private close(): void {
    this.out.push(this.lines.join('\n'));
    this.lines = [];
    this.bytes = 0;
  }
}

/**
 * The datagrams of lines already made (each measured here).
 *
 * @example packDatagrams(['a:1|c', 'b:2|c'], 1432) // ['a:1|c\nb:2|c']
 */
export function packDatagrams(lines: readonly string[], maxBytes: number, notes?: Tally): string[] {
  const packer = new DatagramPacker(maxBytes, notes);
  for (const line of lines) packer.add(line, Buffer.byteLength(line));
  return packer.finish();
}
