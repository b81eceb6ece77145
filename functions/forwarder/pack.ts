/**
 * Packs documents into Kinesis records (format v1, shared/record/format.ts): as many documents per
 * record as fit the size target, in log order, one partition key per log stream so a stream's
 * records land on one shard in order.
 */
import { createHash } from 'node:crypto';
import type { ForwardedDocument, RecordCompression, RecordContext } from '../../shared/record/format.ts';
import { RecordEncoder } from '../../shared/record/RecordEncoder.ts';

export interface PackOptions {
  compression: RecordCompression;
  /** Target size of a record's JSON before compression, in UTF-8 bytes (soft: a record holds at least one document). */
  targetBytes: number;
  /** Hard limit of a Kinesis record: data + partition key (1 MiB unless the stream allows large records). */
  maxRecordBytes: number;
}

export interface PackedRecord {
  data: Buffer;
  partitionKey: string;
  documents: number;
}

export interface PackResult {
  records: PackedRecord[];
  /** Documents too large for any record even alone: reported and counted by the caller. */
  oversized: ForwardedDocument[];
}

/** Kinesis partition keys are 1–256 Unicode characters; longer stream identities are hashed. */
export function partitionKeyFor(ctx: Pick<RecordContext, 'logGroup' | 'logStream'>): string {
  const key = `${ctx.logGroup}|${ctx.logStream}`;
  return key.length <= 256 ? key : createHash('sha256').update(key).digest('hex');
}

export function packDocuments(ctx: RecordContext, docs: readonly ForwardedDocument[], opts: PackOptions): PackResult {
  const partitionKey = partitionKeyFor(ctx);
  const keyBytes = Buffer.byteLength(partitionKey, 'utf8');
  // Writes each document's bytes once, as it is packed: no document strings, no per-record arrays.
  const encoder = new RecordEncoder(ctx, opts.compression);
  const records: PackedRecord[] = [];
  const oversized: ForwardedDocument[] = [];

  const accept = (data: Buffer, from: number, to: number): void => {
    if (data.length + keyBytes <= opts.maxRecordBytes) {
      records.push({ data, partitionKey, documents: to - from });
    } else if (to - from === 1) {
      oversized.push(docs[from]!);
    } else {
      // Compression did less than hoped: split in two, keeping order.
      const half = from + Math.ceil((to - from) / 2);
      accept(encoder.encode(docs, from, half), from, half);
      accept(encoder.encode(docs, half, to), half, to);
    }
  };

  let start = 0;
  for (let i = 0; i < docs.length; i++) {
    encoder.append(docs[i]!);
    // The target is soft (a record holds at least one document); the hard limit is checked on the record's data.
    if (i > start && encoder.bytes > opts.targetBytes) {
      encoder.dropLast();
      accept(encoder.finish(), start, i);
      start = i;
      encoder.append(docs[i]!);
    }
  }
  if (start < docs.length) accept(encoder.finish(), start, docs.length);
  encoder.close();
  return { records, oversized };
}
