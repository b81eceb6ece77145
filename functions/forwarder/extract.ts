/**
 * Pure step of the forwarder: the log events of one subscription payload → the documents to forward,
 * with every event accounted for (EMF, platform, plain, or rejected with a reason).
 */
import type { LogEvent } from '../../shared/cloudwatch/subscription.ts';
import { detectEmf } from '../../shared/emf/detect.ts';
import { platformDocument } from '../../shared/platform/platformDocument.ts';
import { PlatformReportDocument } from '../../shared/platform/PlatformReportDocument.ts';
import { parsePlatformLine, type PlatformReport } from '../../shared/platform/platformLine.ts';
import type { ForwardedDocument } from '../../shared/record/format.ts';
import { Tally } from '../../shared/tally.ts';

export interface ExtractOptions {
  platformMetrics: boolean;
  platformNamespace: string;
}

export interface Extraction {
  documents: ForwardedDocument[];
  emfDocuments: number;
  platformDocuments: number;
  /** Events recognised as Lambda platform lines (REPORT, timeout); several can make one document. */
  platformLines: number;
  plainLines: number;
  /** Events that looked like EMF or platform lines but were rejected, by reason (with one example each). */
  rejected: Tally;
}

export function extractDocuments(logGroup: string, events: readonly LogEvent[], opts: ExtractOptions): Extraction {
  const documents: ForwardedDocument[] = [];
  const rejected = new Tally();
  let emfDocuments = 0;
  let plainLines = 0;
  let platformLines = 0;
  // REPORT documents wait, in log order, for all timeout lines of the batch to be known.
  const pendingDocs: ForwardedDocument[] = [];
  const pendingReports: PlatformReport[] = [];
  let timeouts: Map<string, LogEvent> | undefined;

  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const found = detectEmf(event.message);
    if (found.kind === 'emf') {
      documents.push({ id: event.id, timestamp: event.timestamp, origin: 'emf', emf: found.text });
      emfDocuments++;
      continue;
    }
    if (found.kind === 'invalid') {
      rejected.add(found.reason, () => `${found.detail} — in event ${event.id}: ${event.message}`);
      continue;
    }
    const platform = opts.platformMetrics ? parsePlatformLine(event.message) : undefined;
    if (platform === undefined) {
      plainLines++;
    } else if (platform.kind === 'unparsable') {
      rejected.add('platform_line_unparsable', () => `${platform.detail} — in event ${event.id}: ${event.message}`);
    } else if (platform.kind === 'report') {
      platformLines++;
      // Its place in log order, filled in below.
      const doc: ForwardedDocument = { id: event.id, timestamp: event.timestamp, origin: 'platform', emf: '' };
      documents.push(doc);
      pendingDocs.push(doc);
      pendingReports.push(platform.report);
    } else {
      platformLines++;
      timeouts ??= new Map();
      if (!timeouts.has(platform.requestId)) timeouts.set(platform.requestId, event);
    }
  }

  // A timeout is counted once per request: on its REPORT when both lines are in the batch,
  // otherwise as a document of its own.
  for (let k = 0; k < pendingDocs.length; k++) {
    const doc = pendingDocs[k]!;
    const report = pendingReports[k]!;
    const timedOut = timeouts !== undefined && timeouts.delete(report.requestId);
    // Written straight into the record by the encoder (the bytes of `platformDocument`).
    doc.emf = new PlatformReportDocument(report, timedOut, { namespace: opts.platformNamespace, logGroup, timestamp: doc.timestamp });
  }
  if (timeouts !== undefined) {
    for (const [requestId, event] of timeouts) {
      documents.push({
        id: event.id,
        timestamp: event.timestamp,
        origin: 'platform',
        emf: platformDocument({ kind: 'timeout', requestId }, { namespace: opts.platformNamespace, logGroup, timestamp: event.timestamp }),
      });
    }
  }
  const platformDocuments = pendingDocs.length + (timeouts?.size ?? 0);
  return { documents, emfDocuments, platformDocuments, platformLines, plainLines, rejected };
}
