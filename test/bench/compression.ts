/**
 * Record compression: the time and size of each RECORD_COMPRESSION on the forwarder's records for the
 * bench corpus, and on the same records with every digit made random. The corpus repeats its fixture
 * documents, which flatters any compressor; random digits leave no document equal to another, a
 * pessimistic bound on what a real stream repeats. docs/architecture.md#record-format-v1 quotes these figures.
 */
import { compressRecord, type RecordCompression } from '../../shared/record/format.ts';
import { median } from './measure.ts';

export interface CompressionRow {
  corpus: 'bench corpus' | 'random digits';
  compression: RecordCompression;
  /** Milliseconds to compress all records (median of the runs). */
  ms: number;
  /** Uncompressed bytes / compressed bytes. */
  ratio: number;
}

/** `records`: the uncompressed records' JSON bytes. */
export function benchCompression(records: readonly Buffer[], runs = 15): CompressionRow[] {
  const randomDigits = records.map((r) => {
    const b = Buffer.from(r);
    for (let i = 0; i < b.length; i++) if (b[i]! >= 0x30 && b[i]! <= 0x39) b[i] = 0x30 + Math.floor(Math.random() * 10);
    return b;
  });
  const rows: CompressionRow[] = [];
  for (const [corpus, set] of [['bench corpus', records], ['random digits', randomDigits]] as const) {
    const raw = set.reduce((n, r) => n + r.length, 0);
    for (const compression of ['brotli', 'gzip'] as const) {
      let bytes = 0;
      const times: number[] = [];
      for (let i = 0; i < runs + 3; i++) {
        const t = performance.now();
        bytes = 0;
        for (const r of set) bytes += compressRecord(r, compression).length;
        if (i >= 3) times.push(performance.now() - t);
      }
      rows.push({ corpus, compression, ms: median(times), ratio: raw / bytes });
    }
  }
  return rows;
}
