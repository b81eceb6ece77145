/**
 * CloudWatch datapoints → EMF documents of origin `cloudwatch`, in the stream's record format: one document per
 * metric and period, timestamped at the period's start, the metric's unit and declared `Type` in its definition
 * (docs/architecture.md#declared-types), its dimensions as the document's dimension set.
 *
 * A document's id depends only on the metric, its period and its type and unit: a retried or repeated run
 * for the same window writes the same documents with the same ids, and the consumers pass over the copies
 * (docs/architecture.md#de-duplication). The documents of one namespace form one record origin (log group
 * `cloudwatch-metrics`, log stream the namespace), so a namespace's records keep to one shard, in order.
 */
import { createHash } from 'node:crypto';
import type { ForwardedDocument, RecordContext } from '../../shared/record/format.ts';
import { DEFAULT_RECORD_TARGET_BYTES } from '../forwarder/config.ts';
import { packDocuments, type PackedRecord } from '../forwarder/pack.ts';
import type { MetricPoint } from './metricData.ts';
import type { MetricSpec } from './spec.ts';

/** The record log group of the scraper's documents (not a CloudWatch Logs log group: where they came from). */
const SCRAPER_LOG_GROUP = 'cloudwatch-metrics';

/** The documents of one origin (namespace). */
export interface OriginDocuments {
  ctx: RecordContext;
  documents: ForwardedDocument[];
}

/** An EMF document's root member names that a metric's dimension may not take. */
const RESERVED = '_aws';

/** Why a metric cannot be one EMF document, or undefined. */
function unwritable(spec: MetricSpec): string | undefined {
  if (spec.dimensions.some(([d]) => d === spec.name)) return 'dimension_is_metric_name';
  if (spec.dimensions.some(([d]) => d === RESERVED)) return 'dimension_name_reserved';
  return undefined;
}

/** The spec's part of every id: a hash of its identity, type, unit and period. */
function specHash(spec: MetricSpec, periodSeconds: number): string {
  return createHash('sha256').update(JSON.stringify([spec.namespace, spec.name, spec.dimensions, spec.type, spec.unit, periodSeconds])).digest('base64url').slice(0, 27);
}

/** The EMF text of one point. Built as text: dimension names come from CloudWatch, and no object is indexed by them. */
function emfText(spec: MetricSpec, p: MetricPoint): string {
  const value = typeof p.value === 'number' ? p.value : { Sum: p.value.sum, Min: p.value.min, Max: p.value.max, Count: p.value.count };
  const definition = { Name: spec.name, Unit: spec.unit, Type: spec.type };
  const directive = { Namespace: spec.namespace, Dimensions: [spec.dimensions.map(([d]) => d)], Metrics: [definition] };
  let text = `{"_aws":${JSON.stringify({ Timestamp: p.timestamp, CloudWatchMetrics: [directive] })}`;
  for (const [d, v] of spec.dimensions) text += `,${JSON.stringify(d)}:${JSON.stringify(v)}`;
  return `${text},${JSON.stringify(spec.name)}:${JSON.stringify(value)}}`;
}

/**
 * The documents of `points`, grouped by namespace, each group in time order; `skipped` counts the metrics that
 * cannot be written (`unwritable`).
 */
export function buildDocuments(
  specs: readonly MetricSpec[],
  points: readonly MetricPoint[],
  o: { owner: string; region: string; periodSeconds: number },
): { origins: OriginDocuments[]; skipped: Record<string, number> } {
  const byNamespace = new Map<string, OriginDocuments>();
  const hashes = new Map<number, string>();
  const skipped: Record<string, number> = {};
  const unwritten = new Set<number>();
  const sorted = [...points].sort((a, b) => a.timestamp - b.timestamp || a.metric - b.metric);
  for (const p of sorted) {
    const spec = specs[p.metric]!;
    const bad = unwritable(spec);
    if (bad !== undefined) {
      // Counted once per metric, as the cap counts metrics.
      if (!unwritten.has(p.metric)) skipped[bad] = (skipped[bad] ?? 0) + 1;
      unwritten.add(p.metric);
      continue;
    }
    let group = byNamespace.get(spec.namespace);
    if (group === undefined) {
      group = { ctx: { owner: o.owner, region: o.region, logGroup: SCRAPER_LOG_GROUP, logStream: spec.namespace }, documents: [] };
      byNamespace.set(spec.namespace, group);
    }
    let hash = hashes.get(p.metric);
    if (hash === undefined) hashes.set(p.metric, (hash = specHash(spec, o.periodSeconds)));
    group.documents.push({ id: `${p.timestamp / 1000}-${hash}`, timestamp: p.timestamp, origin: 'cloudwatch', emf: emfText(spec, p) });
  }
  return { origins: [...byNamespace.values()], skipped };
}

/**
 * The Kinesis records of `origins`, packed by the forwarder's packer (brotli, the forwarder's default record
 * size), one origin's documents in order. A document is one metric's period, far below a record's size, so
 * none is ever too large for one.
 */
export function packOrigins(origins: readonly OriginDocuments[]): PackedRecord[] {
  const records: PackedRecord[] = [];
  for (const o of origins) {
    records.push(...packDocuments(o.ctx, o.documents, { compression: 'brotli', targetBytes: DEFAULT_RECORD_TARGET_BYTES.brotli, maxRecordBytes: 1_048_576 }).records);
  }
  return records;
}
