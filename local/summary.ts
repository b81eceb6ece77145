/**
 * The end-of-run account of `npm start`: every log event read is accounted for (forwarded,
 * plain, platform, rejected with a reason, or lost), and per provider what arrived. Loss — data
 * the pipeline took in and did not deliver — makes the exit code non-zero; rejected input
 * (invalid EMF, undecodable input lines) is reported but is not loss: it would never be delivered.
 */
import type { ForwarderSummary } from '../functions/forwarder/forwarder.ts';
import type { ConsumerSummary } from '../shared/consumer/summary.ts';
import type { EsmStats } from './esm.ts';

export interface InputStats {
  logEvents: number;
  blankLines: number;
  /** Input that was not a log event (bad JSON lines, malformed filter-log-events entries), by reason. */
  issues: Record<string, number>;
  examples: Record<string, string>;
}

/** The forwarder's summaries added up over the run (its counters are those of `ForwarderSummary`), plus the run's own. */
export interface ForwarderStats extends Omit<ForwarderSummary, 'logGroup' | 'logStream' | 'putRecordsCalls'> {
  /** Subscription events built from the input (one forwarder invocation each, retries aside). */
  payloads: number;
  invocations: number;
  /** Invocations repeated after the forwarder threw (Lambda's asynchronous retries). */
  retries: number;
  /** Payloads whose every attempt threw, and the log events they held. */
  failedPayloads: number;
  lostEvents: number;
  errors: string[];
}

/** A consumer's summaries added up over the run (the counters of `ConsumerSummary`), plus the run's own. */
export interface ProviderStats extends Pick<ConsumerSummary, 'documents' | 'data' | 'delivered' | 'dropped' | 'dataDropped' | 'warnings' | 'examples'> {
  name: string;
  /** False for a bare Kinesis handler (`--handler`): only its records are counted, not its data. */
  counted: boolean;
  esm: EsmStats;
  /** Records written to the stream but neither processed nor discarded when the run ended (interrupted). */
  recordsUnconsumed: number;
  /** Provider calls repeated inside one invocation (retryable results). */
  sendRetries: number;
  /** The provider's last retryable error behind a redelivery (why records were retried or discarded). */
  lastRetryError?: string;
}

/** `--cloudwatch FILE`: the recording's metrics as the scraper would write them. */
export interface CloudwatchStats {
  /** Metrics (a metric and period each) and their datapoints (periods) read from the recording. */
  metrics: number;
  datapoints: number;
  /** Documents and records written to the stream. */
  documents: number;
  records: number;
  /** Documents whose records the stream did not take (`error` says why): lost. */
  failedDocuments: number;
  error?: string;
  /** Queries, results and datapoints of the recording left out, and datapoints no document could hold, by reason. */
  skipped: Record<string, number>;
}

export type RunEnd = 'end-of-input' | 'interrupted' | 'aborted';

export interface RunSummary {
  end: RunEnd;
  input: InputStats;
  forwarder: ForwarderStats;
  providers: ProviderStats[];
  /** Present with `--cloudwatch`. */
  cloudwatch?: CloudwatchStats;
  /** One sentence per kind of loss; empty when nothing was lost. */
  losses: string[];
}

const add = (into: Record<string, number>, from: Readonly<Record<string, number>>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};
const firstExamples = (into: Record<string, string>, from: Readonly<Record<string, string>>) => {
  for (const [k, v] of Object.entries(from)) if (!(k in into)) into[k] = v;
};

export function emptyForwarderStats(): ForwarderStats {
  return {
    payloads: 0, invocations: 0, retries: 0, failedPayloads: 0, lostEvents: 0, errors: [],
    logEvents: 0, emfDocuments: 0, platformDocuments: 0, platformLines: 0, plainLines: 0, forwardedDocuments: 0,
    records: 0, retriedEntries: 0, skipped: {}, rejected: {}, examples: {},
  };
}

/** Adds one forwarder invocation's summary. */
export function addForwarderSummary(stats: ForwarderStats, s: ForwarderSummary): void {
  stats.logEvents += s.logEvents;
  stats.emfDocuments += s.emfDocuments;
  stats.platformDocuments += s.platformDocuments;
  stats.platformLines += s.platformLines;
  stats.plainLines += s.plainLines;
  stats.forwardedDocuments += s.forwardedDocuments;
  stats.records += s.records;
  stats.retriedEntries += s.retriedEntries;
  add(stats.skipped, s.skipped);
  add(stats.rejected, s.rejected);
  firstExamples(stats.examples, s.examples);
}

export function emptyProviderStats(name: string, esm: EsmStats, counted = true): ProviderStats {
  return { name, counted, esm, recordsUnconsumed: 0, documents: 0, data: 0, delivered: 0, sendRetries: 0, dropped: {}, dataDropped: 0, warnings: {}, examples: {} };
}

/** Adds one consumer invocation's summary. */
export function addConsumerSummary(stats: ProviderStats, s: ConsumerSummary): void {
  stats.documents += s.documents;
  stats.data += s.data;
  stats.delivered += s.delivered;
  stats.sendRetries += s.retries;
  stats.dataDropped += s.dataDropped;
  add(stats.dropped, s.dropped);
  add(stats.warnings, s.warnings);
  firstExamples(stats.examples, s.examples);
  if (s.redelivery) stats.lastRetryError = s.redelivery.error;
}

/** One line per example: control characters shown escaped, long text cut. */
const oneLine = (s: string, max = 160) => {
  const flat = s.replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
};

const sum = (r: Readonly<Record<string, number>>) => Object.values(r).reduce((a, b) => a + b, 0);

/** What was lost, in words naming the provider and the reason; empty when nothing was. */
export function lossesOf(summary: Omit<RunSummary, 'losses'>): string[] {
  const out: string[] = [];
  const f = summary.forwarder;
  if (f.failedPayloads > 0) {
    out.push(`forwarder: ${f.lostEvents} log event(s) in ${f.failedPayloads} subscription payload(s) failed every attempt: ${f.errors.slice(0, 3).join('; ')}`);
  }
  const cw = summary.cloudwatch;
  if (cw && cw.failedDocuments > 0) out.push(`cloudwatch: ${cw.failedDocuments} document(s) of the recording were not written to the stream: ${cw.error ?? 'unknown error'}`);
  for (const p of summary.providers) {
    for (const d of p.esm.discards) {
      const cause = p.lastRetryError && d.error.startsWith('the function reported') ? ` (last error: ${p.lastRetryError})` : '';
      out.push(`${p.name}: ${d.records} record(s) of ${d.shardId} (${d.firstSequenceNumber}…${d.lastSequenceNumber}) discarded after ${d.attempts} attempt(s): ${d.error}${cause}`);
    }
    if (p.recordsUnconsumed > 0) out.push(`${p.name}: ${p.recordsUnconsumed} record(s) written to the stream were never processed (the run was stopped first)`);
    for (const [reason, n] of Object.entries(p.dropped)) {
      out.push(`${p.name}: ${n} dropped as ${reason}${p.examples[reason] ? ` — ${oneLine(p.examples[reason])}` : ''}`);
    }
  }
  return out;
}

/** 0 when nothing was lost, 1 otherwise. */
export const exitCodeOf = (summary: RunSummary): number => (summary.losses.length > 0 ? 1 : 0);

const n = (v: number) => v.toLocaleString('en-US');
const reasons = (r: Readonly<Record<string, number>>, examples: Readonly<Record<string, string>> = {}, indent = '      ') =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${indent}${k}: ${n(v)}${examples[k] ? `   e.g. ${oneLine(examples[k])}` : ''}`);

/** `--cloudwatch`: what the recording held and what reached the stream. */
function cloudwatchLines(c: CloudwatchStats): string[] {
  const skipped = sum(c.skipped);
  return [
    `cloudwatch   ${n(c.metrics)} metrics, ${n(c.datapoints)} datapoints → ${n(c.documents)} documents in ${n(c.records)} Kinesis records; skipped: ${n(skipped)}`,
    ...reasons(c.skipped),
  ];
}

/** The human-readable summary printed at the end of `npm start`. */
export function renderSummary(s: RunSummary): string {
  const f = s.forwarder;
  const lines = [
    `══ emf-fanout local run: ${s.end === 'end-of-input' ? 'end of input' : s.end === 'interrupted' ? 'interrupted (input stopped, stream drained)' : 'aborted'} ══`,
    `input        ${n(s.input.logEvents)} log events${s.input.blankLines ? `, ${n(s.input.blankLines)} blank lines skipped` : ''}, ${n(f.payloads)} subscription payloads`,
    ...(sum(s.input.issues) > 0 ? [`  not log events: ${n(sum(s.input.issues))}`, ...reasons(s.input.issues, s.input.examples)] : []),
    `forwarder    ${n(f.emfDocuments)} EMF documents found, ${n(f.platformDocuments)} platform documents (from ${n(f.platformLines)} REPORT/timeout lines), ${n(f.plainLines)} plain lines`,
    `             ${n(f.forwardedDocuments)} documents forwarded in ${n(f.records)} Kinesis records; ${n(f.invocations)} invocations, ${n(f.retries)} retried, ${n(f.retriedEntries)} PutRecords entries retried`,
    ...(sum(f.rejected) > 0 ? [`  rejected: ${n(sum(f.rejected))}`, ...reasons(f.rejected, f.examples)] : []),
    ...(sum(f.skipped) > 0 ? [`  skipped: ${n(sum(f.skipped))}`, ...reasons(f.skipped)] : []),
    ...(s.cloudwatch ? cloudwatchLines(s.cloudwatch) : []),
  ];
  for (const p of s.providers) {
    const records = `${n(p.esm.recordsProcessed)} records in ${n(p.esm.invocations)} invocations, ${n(p.esm.retries)} retried`;
    lines.push(
      p.counted
        ? `${p.name.padEnd(12)} ${n(p.delivered)} data points delivered; ${n(p.data)} data points from ${n(p.documents)} documents handled${p.esm.retries > 0 ? ' (redeliveries included)' : ''}; ${records}, ${n(p.sendRetries)} send retries`
        : `${p.name.padEnd(12)} ${records} (a bare handler: data not counted)`,
    );
    if (sum(p.dropped) > 0) lines.push(`  dropped: ${n(sum(p.dropped))}`, ...reasons(p.dropped, p.examples));
    if (sum(p.warnings) > 0) lines.push(`  changed on the way: ${n(sum(p.warnings))}`, ...reasons(p.warnings, p.examples));
    if (p.esm.recordsDiscarded > 0) lines.push(`  records discarded after retries: ${n(p.esm.recordsDiscarded)}`);
  }
  lines.push(s.losses.length === 0 ? 'result       nothing lost' : `result       LOSS (${s.losses.length}):`, ...s.losses.map((l) => `  - ${l}`));
  return lines.join('\n') + '\n';
}
