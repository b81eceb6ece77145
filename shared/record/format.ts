/**
 * The emf-fanout Kinesis record format, version 1. Documented in README.md ("Record format");
 * any consumer in any language can decode it with a gzip library and a JSON parser:
 *
 *   data = gzip(json) | json          (gzip when the first two bytes are 0x1f 0x8b)
 *   json = {"v":1,"owner":…,"region":…,"logGroup":…,"logStream":…,"documents":[
 *             {"id":…,"timestamp":…,"origin":"emf"|"platform","emf":<the EMF document>}, …]}
 *
 * `emf` is the document's JSON text inserted as it stood in the log event (it was parsed to be
 * validated, so it is valid JSON): the record holds the original bytes (Powertools Python's `1.0` stays
 * `1.0`; `recordDocumentTexts` recovers them), a consumer gets every document with one `JSON.parse`,
 * and the forwarder never escapes a document. All documents of a record come from one log stream of
 * one log group, in log order.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { DecodeError } from '../errors.ts';

export const RECORD_VERSION = 1;

/** Where the documents of a record came from: the subscription payload's context. */
export interface RecordContext {
  /** AWS account id (the subscription payload's `owner`). */
  owner: string;
  /** Region of the log group (the forwarder's `AWS_REGION`; subscriptions are same-region). */
  region: string;
  logGroup: string;
  logStream: string;
}

export type DocumentOrigin = 'emf' | 'platform';

/** A document as the forwarder writes it. */
export interface ForwardedDocument {
  /** CloudWatch Logs event id: unique per log event, usable for de-duplication downstream. */
  id: string;
  /** Log event timestamp, ms since the epoch. */
  timestamp: number;
  /** `emf`: found in the log; `platform`: built by the forwarder from a Lambda platform line. */
  origin: DocumentOrigin;
  /** The EMF document's JSON text, exactly as logged. Must be valid JSON: it is inserted as is. */
  emf: string;
}

/** A document as a consumer reads it: `emf` is the parsed document (any JSON value; consumers check it). */
export interface RecordDocument extends Omit<ForwardedDocument, 'emf'> {
  emf: unknown;
}

export interface RecordV1 extends RecordContext {
  v: 1;
  documents: RecordDocument[];
}

export type RecordCompression = 'gzip' | 'none';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

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
  const json = Buffer.from(recordHeader(ctx) + serialisedDocs.join(',') + RECORD_TRAILER, 'utf8');
  return compression === 'gzip' ? gzipSync(json, { level: 1 }) : json;
}

/**
 * Decodes one record's data. Throws `DecodeError` with reason
 * `record_too_large` | `record_gzip_invalid` | `record_json_invalid` | `record_version_unsupported` | `record_shape_invalid`.
 */
export function decodeRecord(data: Uint8Array, opts: { maxBytes?: number } = {}): RecordV1 {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  let bytes: Buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new DecodeError(`record decompresses to more than ${maxBytes} bytes`, 'record_too_large', { cause: err });
      }
      throw new DecodeError(`record is not valid gzip: ${(err as Error).message}`, 'record_gzip_invalid', { cause: err });
    }
  } else if (bytes.length > maxBytes) {
    throw new DecodeError(`record is larger than ${maxBytes} bytes`, 'record_too_large');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
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
  for (const [i, d] of (r.documents as unknown[]).entries()) {
    const doc = d as Record<string, unknown> | null;
    if (
      typeof doc !== 'object' || doc === null ||
      typeof doc.id !== 'string' || typeof doc.timestamp !== 'number' ||
      (doc.origin !== 'emf' && doc.origin !== 'platform') || !('emf' in doc)
    ) {
      throw new DecodeError(`record document ${i} must be {id: string, timestamp: number, origin: "emf"|"platform", emf: <EMF document>}`, 'record_shape_invalid');
    }
  }
  return r as unknown as RecordV1;
}

export { recordDocumentTexts } from './documentTexts.ts';
