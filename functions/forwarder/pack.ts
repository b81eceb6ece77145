/**
 * Packs documents into Kinesis records (format v1, shared/record/format.ts): as many documents per
 * record as fit the size target, in log order, one partition key per log stream so a stream's
 * records land on one shard in order.
 */
import { createHash } from 'node:crypto';
import {
  type ForwardedDocument, type RecordCompression, type RecordContext,
  encodeRecord, recordHeader, RECORD_TRAILER, serialiseDocument,
} from '../../shared/record/format.ts';

export interface PackOptions {
  compression: RecordCompression;
  /** Target size of a record's JSON before compression. */
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
  const baseBytes = recordHeader(ctx).length + RECORD_TRAILER.length;
  const records: PackedRecord[] = [];
  const oversized: ForwardedDocument[] = [];

  const emit = (items: { doc: ForwardedDocument; text: string }[]): void => {
    const data = encodeRecord(ctx, items.map((i) => i.text), opts.compression);
    if (data.length + keyBytes <= opts.maxRecordBytes) {
      records.push({ data, partitionKey, documents: items.length });
    } else if (items.length === 1) {
      oversized.push(items[0]!.doc);
    } else {
      // Compression did less than hoped: split in two, keeping order.
      const half = Math.ceil(items.length / 2);
      emit(items.slice(0, half));
      emit(items.slice(half));
    }
  };

  let current: { doc: ForwardedDocument; text: string }[] = [];
  let bytes = baseBytes;
  for (const doc of docs) {
    const text = serialiseDocument(doc);
    // Characters, not bytes: the target is soft; the hard record limit is checked on the encoded record.
    const size = text.length + 1;
    if (current.length > 0 && bytes + size > opts.targetBytes) {
      emit(current);
      current = [];
      bytes = baseBytes;
    }
    current.push({ doc, text });
    bytes += size;
  }
  if (current.length > 0) emit(current);
  return { records, oversized };
}
