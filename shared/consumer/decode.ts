/**
 * A Lambda Kinesis event record → metric data. Pure: no I/O, no AWS SDK.
 * The record-level work (base64, gzip, the record format) is `decodeRecord`'s; this adds the
 * Lambda envelope and the per-document expansion of `emfToData`.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { describeError } from '../describe.ts';
import { DecodeError } from '../errors.ts';
import { decodeBase64Strict } from '../encoding/base64.ts';
import { decodeRecord, type RecordContext, type RecordV1 } from '../record/format.ts';
import { emfToGroups, expandGroup, type MetricGroup } from './emfToData.ts';
import type { DecodeIssues, DropReason } from './reasons.ts';
import type { DatumSource, MetricDatum } from './types.ts';

/** What one Kinesis record produced. A record that does not decode has `data: []` and counts one `record_*` reason. */
export interface DecodedRecord {
  data: MetricDatum[];
  /** Documents the record carried (0 when the record itself did not decode). */
  documents: number;
  /** False when the record itself could not be decoded (and was counted under a `record_*` reason). */
  decoded: boolean;
}

/**
 * Decodes one Lambda Kinesis record and expands every document it carries into separate data.
 * Never throws for bad input: problems are counted in `issues` (the example names the sequence number).
 *
 * @example
 * const issues = { dropped: new Tally(), warnings: new Tally() };
 * const { data } = decodeKinesisRecord(event.Records[0], issues);
 */
export function decodeKinesisRecord(record: KinesisStreamRecord, issues: DecodeIssues, opts: { maxBytes?: number } = {}): DecodedRecord {
  const groups: MetricGroup[] = [];
  const r = decodeKinesisRecordGroups(record, issues, opts, groups);
  const data: MetricDatum[] = [];
  for (const g of groups) expandGroup(g, data);
  return { data, documents: r.documents, decoded: r.decoded };
}

/**
 * Decides, document by document, what of a record is delivered (de-duplication, see `DocumentLedger`).
 * `skipOf` runs before the document is expanded, `admitted` after (not for a document passed over whole).
 */
export interface DocumentGate {
  /** How many of the document's first data to pass over: 0 for none, `Infinity` for the whole document (then it is not even read). */
  skipOf(record: RecordContext, doc: RecordV1['documents'][number], index: number): number;
  /** The data the document expanded to, and how many of the first of them were passed over. */
  admitted(total: number, skipped: number): void;
}

/**
 * The handler's form of `decodeKinesisRecord`: appends the record's groups (see `emfToGroups`)
 * to `out` instead of one object per datum; `gate` passes over documents, or their first data, already delivered.
 */
export function decodeKinesisRecordGroups(
  record: KinesisStreamRecord, issues: DecodeIssues, opts: { maxBytes?: number }, out: { push(g: MetricGroup): unknown }, gate?: DocumentGate,
): { documents: number; decoded: boolean } {
  let decoded;
  try {
    decoded = decodeRecord(decodeBase64Strict(record.kinesis.data, 'record_base64_invalid', 'kinesis.data'), opts);
  } catch (err) {
    // Anything else a record's bytes make the decoder throw is counted too: the handler never throws for data.
    if (err instanceof DecodeError) issues.dropped.add(err.reason as DropReason, `${err.message} (sequenceNumber=${record.kinesis.sequenceNumber})`);
    else issues.dropped.add('record_unreadable', `${describeError(err)} (sequenceNumber=${record.kinesis.sequenceNumber})`);
    return { documents: 0, decoded: false };
  }
  // A document's groups wait here until the whole document is read: one that throws is counted and
  // leaves nothing behind, and its neighbours are delivered.
  const docGroups: MetricGroup[] = [];
  const docs = decoded.documents;
  for (let index = 0; index < docs.length; index++) {
    const doc = docs[index]!;
    const skip = gate === undefined ? 0 : gate.skipOf(decoded, doc, index);
    if (skip === Number.POSITIVE_INFINITY) continue;
    const source: DatumSource = {
      account: decoded.owner,
      region: decoded.region,
      logGroup: decoded.logGroup,
      logStream: decoded.logStream,
      eventId: doc.id,
      origin: doc.origin,
    };
    docGroups.length = 0;
    let total;
    try {
      total = emfToGroups(doc.emf, source, doc.timestamp, issues, docGroups);
    } catch (err) {
      issues.dropped.add('document_unreadable', `${describeError(err)} (event ${doc.id}, sequenceNumber=${record.kinesis.sequenceNumber})`);
      continue;
    }
    if (skip === 0) for (const g of docGroups) out.push(g);
    else pushAfter(docGroups, skip, out);
    gate?.admitted(total, Math.min(skip, total));
  }
  return { documents: decoded.documents.length, decoded: true };
}

/** Pushes the data of `groups` after the first `skip` (a document delivered in part before: rare, so the cut group is a copy). */
function pushAfter(groups: readonly MetricGroup[], skip: number, out: { push(g: MetricGroup): unknown }): void {
  let left = skip;
  for (const g of groups) {
    const { names, units, resolutions, values, types } = g.defs;
    if (left >= names.length) {
      left -= names.length;
      continue;
    }
    if (left === 0) {
      out.push(g);
      continue;
    }
    out.push({ ...g, defs: { names: names.slice(left), units: units.slice(left), resolutions: resolutions.slice(left), values: values.slice(left), types: types?.slice(left) } });
    left = 0;
  }
}
