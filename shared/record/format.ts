/**
 * The emf-fanout Kinesis record format, version 1 (docs/architecture.md#record-format-v1);
 * any consumer in any language can decode it with a brotli or gzip library and a JSON parser:
 *
 *   data = 00 62 72 6f brotli(json)   ("\0bro": brotli's own stream has no magic number of its own)
 *        | gzip(json)                 (the first two bytes are 0x1f 0x8b, gzip's own magic number)
 *        | json                       (no JSON text starts with either)
 *   json = {"v":1,"owner":…,"region":…,"logGroup":…,"logStream":…,"documents":[
 *             {"id":…,"timestamp":…,"origin":"emf"|"platform"|"cloudwatch","emf":<the EMF document>}, …]}
 *
 * `emf` is the document's JSON text inserted as it stood in the log event (it was parsed to be
 * validated, so it is valid JSON): the record holds the original bytes (Powertools Python's `1.0` stays
 * `1.0`; `recordDocumentTexts` recovers them), a consumer gets every document with one `JSON.parse`,
 * and the forwarder never escapes a document. All documents of a record come from one log stream of
 * one log group, in log order. The forwarder writes records with `RecordEncoder` (RecordEncoder.ts).
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlib, gunzipSync, gzipSync } from 'node:zlib';
import { DecodeError } from '../errors.ts';

const RECORD_VERSION = 1;

/** Where the documents of a record came from: the subscription payload's context. */
export interface RecordContext {
  /** AWS account id (the subscription payload's `owner`). */
  owner: string;
  /** Region of the log group (the forwarder's `AWS_REGION`; subscriptions are same-region). */
  region: string;
  logGroup: string;
  logStream: string;
}

/**
 * Who made a document: `emf`, found in a log; `platform`, built by the forwarder from a Lambda platform line;
 * `cloudwatch`, built by the metrics scraper from CloudWatch's GetMetricData (its metric definitions may
 * declare a `Type`, docs/architecture.md#declared-types).
 */
export type DocumentOrigin = 'emf' | 'platform' | 'cloudwatch';

/** A document as the forwarder writes it. */
export interface ForwardedDocument {
  /** CloudWatch Logs event id: unique per log event, usable for de-duplication downstream. */
  id: string;
  /** Log event timestamp, ms since the epoch. */
  timestamp: number;
  /** Who made the document (see `DocumentOrigin`). */
  origin: DocumentOrigin;
  /**
   * The EMF document's JSON text, exactly as logged, or a document that writes its own text (the platform
   * documents the forwarder builds). Must be valid JSON: it is inserted as is.
   */
  emf: string | DocumentText;
}

/**
 * An EMF document that writes its own JSON text as UTF-8 into the record. The forwarder's platform documents
 * are: building each one's text as a string, only for the encoder to flatten and encode it, was most of
 * their cost (docs/performance.md).
 */
export interface DocumentText {
  /** An upper bound of the bytes `writeTo` writes. */
  readonly maxBytes: number;
  /** Writes the document's JSON text as UTF-8 at `offset`; returns the offset after it. */
  writeTo(out: Buffer, offset: number): number;
  /** The same text, as a string. */
  toString(): string;
}

/** A document as a consumer reads it: `emf` is the parsed document (any JSON value; consumers check it). */
interface RecordDocument extends Omit<ForwardedDocument, 'emf'> {
  emf: unknown;
}

export interface RecordV1 extends RecordContext {
  v: 1;
  documents: RecordDocument[];
}

export type RecordCompression = 'brotli' | 'gzip' | 'none';
export const RECORD_COMPRESSIONS: readonly RecordCompression[] = ['brotli', 'gzip', 'none'];

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
/** The four bytes before a brotli stream: NUL (which no JSON text starts with), then `bro`. */
export const BROTLI_MAGIC: readonly number[] = [0x00, 0x62, 0x72, 0x6f];

/**
 * brotli at quality 1, measured by `npm run bench` on the bench's records against gzip level 1 (the fastest
 * gzip), on records of the default 1 MiB target: about 4x faster and 3.6x smaller; with every digit of the
 * records made random (so that no document repeats another) still 2x faster and 1.28x smaller. Quality 0 is a
 * little faster again but compresses the random-digit records less well than gzip: Kinesis bills by the byte,
 * so the ratio is worth more to a user than the last millisecond (docs/performance.md).
 */
const BROTLI_QUALITY = 1;

/** The record data for a record's JSON bytes. */
export function compressRecord(json: Uint8Array, compression: RecordCompression): Buffer {
  if (compression === 'gzip') return gzipSync(json, { level: 1 });
  if (compression === 'none') return Buffer.from(json);
  const body = brotliCompressSync(json, { params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: json.length } });
  const data = Buffer.allocUnsafe(BROTLI_MAGIC.length + body.length);
  data.set(BROTLI_MAGIC, 0);
  data.set(body, BROTLI_MAGIC.length);
  return data;
}

/** How a record's data is compressed, by its first bytes. */
export function recordCompressionOf(data: Uint8Array): RecordCompression {
  if (data.length >= 2 && data[0] === GZIP_MAGIC_0 && data[1] === GZIP_MAGIC_1) return 'gzip';
  if (data.length >= 4 && data[0] === BROTLI_MAGIC[0] && data[1] === BROTLI_MAGIC[1] && data[2] === BROTLI_MAGIC[2] && data[3] === BROTLI_MAGIC[3]) return 'brotli';
  return 'none';
}

/**
 * A record's JSON bytes, decompressed with a cap. Throws `DecodeError` with reason
 * `record_too_large` | `record_gzip_invalid` | `record_brotli_invalid`.
 */
function decompressRecord(data: Uint8Array, maxBytes: number): Buffer {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const compression = recordCompressionOf(bytes);
  if (compression === 'none') {
    if (bytes.length > maxBytes) throw new DecodeError(`record is larger than ${maxBytes} bytes`, 'record_too_large');
    return bytes;
  }
  try {
    return compression === 'gzip'
      ? gunzipSync(bytes, { maxOutputLength: maxBytes })
      : brotliDecompressSync(bytes.subarray(BROTLI_MAGIC.length), { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DecodeError(`record decompresses to more than ${maxBytes} bytes`, 'record_too_large', { cause: err });
    }
    throw new DecodeError(`record is not valid ${compression}: ${(err as Error).message}`, `record_${compression}_invalid`, { cause: err });
  }
}

/** The JSON text of a record before its documents, e.g. `{"v":1,…,"documents":[`. */
export function recordHeader(ctx: RecordContext): string {
  return `{"v":${RECORD_VERSION},"owner":${JSON.stringify(ctx.owner)},"region":${JSON.stringify(ctx.region)},"logGroup":${JSON.stringify(ctx.logGroup)},"logStream":${JSON.stringify(ctx.logStream)},"documents":[`;
}
export const RECORD_TRAILER = ']}';

/** One document's JSON text as it stands inside `documents`. */
export function serialiseDocument(doc: ForwardedDocument): string {
  return `{"id":${JSON.stringify(doc.id)},"timestamp":${doc.timestamp},"origin":"${doc.origin}","emf":${doc.emf}}`;
}

/** Encodes a record from already serialised documents (see `serialiseDocument`). */
export function encodeRecord(ctx: RecordContext, serialisedDocs: readonly string[], compression: RecordCompression): Buffer {
  return compressRecord(Buffer.from(recordHeader(ctx) + serialisedDocs.join(',') + RECORD_TRAILER, 'utf8'), compression);
}

/**
 * Decodes one record's data. Throws `DecodeError` with reason
 * `record_too_large` | `record_brotli_invalid` | `record_gzip_invalid` | `record_json_invalid` | `record_version_unsupported` | `record_shape_invalid`.
 */
export function decodeRecord(data: Uint8Array, opts: { maxBytes?: number } = {}): RecordV1 {
  return parseRecordText(recordText(data, opts));
}

/** A record's JSON text: `decompressRecord` with the decoder's default cap (64 MiB), decoded as UTF-8. */
export function recordText(data: Uint8Array, opts: { maxBytes?: number } = {}): string {
  return decompressRecord(data, opts.maxBytes ?? 64 * 1024 * 1024).toString('utf8');
}

/** `decodeRecord` of a record's JSON text (see `recordText`): the same checks and errors after decompression. */
export function parseRecordText(text: string): RecordV1 {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DecodeError(`record is not JSON: ${(err as Error).message}`, 'record_json_invalid', { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DecodeError('record is not a JSON object', 'record_shape_invalid');
  }
  const r = parsed as Record<string, unknown>;
  if (r.v !== RECORD_VERSION) {
    throw new DecodeError(`record version ${JSON.stringify(r.v)} is not supported (this consumer reads version ${RECORD_VERSION})`, 'record_version_unsupported');
  }
  for (const k of ['owner', 'region', 'logGroup', 'logStream'] as const) {
    if (typeof r[k] !== 'string') throw new DecodeError(`record field "${k}" must be a string`, 'record_shape_invalid');
  }
  if (!Array.isArray(r.documents)) throw new DecodeError('record field "documents" must be an array', 'record_shape_invalid');
  const documents = r.documents as unknown[];
  for (let i = 0; i < documents.length; i++) {
    const doc = documents[i] as Record<string, unknown> | null;
    if (
      typeof doc !== 'object' || doc === null ||
      typeof doc.id !== 'string' || typeof doc.timestamp !== 'number' ||
      (doc.origin !== 'emf' && doc.origin !== 'platform' && doc.origin !== 'cloudwatch') || !('emf' in doc)
    ) {
      throw new DecodeError(`record document ${i} must be {id: string, timestamp: number, origin: "emf"|"platform"|"cloudwatch", emf: <EMF document>}`, 'record_shape_invalid');
    }
  }
  return r as unknown as RecordV1;
}

