/**
 * The plan, the per-item results and the summary of `npm run replay`, as plain-text tables (the same
 * columns as `npm run subscribe`'s: they read the same in a terminal, a CI log and a change request).
 */
import { renderColumns } from '../subscribe/table.ts';
import type { ItemResult, ReplayItem } from './items.ts';

export interface SourceLine {
  name: string;
  /** Where it parks: `s3://bucket/prefix`, a queue URL, or why it has nothing to replay. */
  where: string;
  notSelected: Map<string, number>;
}

/** The S3 key after `aws/lambda/async/<function>/`; a message id as it is. */
const shortId = (id: string) => id.replace(/^aws\/lambda\/async\/[^/]+\//, '');
const timeOf = (t: Date | undefined) => (t ? t.toISOString().replace(/\.\d{3}Z$/, 'Z') : '?');
const groupsOf = (i: ReplayItem) => (i.logGroups.length === 0 ? '?' : i.logGroups.join(', '));

function notSelectedText(m: Map<string, number>): string {
  return [...m].map(([why, n]) => `${n} ${why}`).join(', ');
}

export function renderPlan(items: readonly ReplayItem[], sources: readonly SourceLine[]): string {
  const lines = ['Plan: replay what Lambda parked after giving up'];
  for (const s of sources) {
    const skipped = notSelectedText(s.notSelected);
    lines.push(`  ${s.name}: ${s.where}${skipped ? ` (not selected: ${skipped})` : ''}`);
  }
  lines.push('');
  if (items.length > 0) {
    lines.push(
      renderColumns([
        { header: 'ACTION', values: items.map((i) => (i.problem ? `cannot replay: ${i.problem.reason}` : 'will replay')) },
        { header: 'SOURCE', values: items.map((i) => i.source) },
        { header: 'ITEM', values: items.map((i) => shortId(i.id)) },
        { header: 'PARKED', values: items.map((i) => timeOf(i.time)) },
        { header: 'LOG GROUP', values: items.map(groupsOf) },
        { header: 'DETAIL', values: items.map((i) => (i.problem ? `${i.problem.detail}; ${i.detail}` : i.detail)) },
      ]),
    );
    lines.push('');
  }
  const problems = items.filter((i) => i.problem).length;
  lines.push(`Plan summary: ${items.length - problems} will replay, ${problems} cannot be replayed as they are`);
  return lines.join('\n');
}

const resultOf = (r: ItemResult) => (r.outcome === 'left' ? `left: ${r.reason ?? ''}` : r.outcome);

export function renderResults(results: readonly ItemResult[]): string {
  if (results.length === 0) return 'Nothing to replay.';
  return renderColumns([
    { header: 'RESULT', values: results.map(resultOf) },
    { header: 'SOURCE', values: results.map((r) => r.item.source) },
    { header: 'ITEM', values: results.map((r) => shortId(r.item.id)) },
    { header: 'LOG GROUP', values: results.map((r) => groupsOf(r.item)) },
    { header: 'EVENTS/RECORDS', values: results.map((r) => String(r.events)) },
    { header: 'DOCUMENTS', values: results.map((r) => (r.documents === undefined ? '-' : String(r.documents))) },
    { header: 'EXPIRED', values: results.map((r) => String(r.expired)) },
    { header: 'DETAIL', values: results.map((r) => r.detail) },
  ]);
}

/** One row per source: items replayed (or would be), left by reason, records lost to retention. */
export function renderSummary(results: readonly ItemResult[], sources: readonly SourceLine[]): string {
  const rows = sources.map((s) => {
    const mine = results.filter((r) => r.item.source === s.name);
    const left = new Map<string, number>();
    for (const r of mine) if (r.outcome === 'left') left.set(r.reason ?? '', (left.get(r.reason ?? '') ?? 0) + 1);
    const sum = (f: (r: ItemResult) => number) => String(mine.reduce((n, r) => n + f(r), 0));
    return {
      source: s.name,
      items: String(mine.length),
      done: String(mine.filter((r) => r.outcome === 'replayed' || r.outcome === 'would replay').length),
      left: [...left].map(([reason, n]) => `${n} ${reason}`).join(', ') || '0',
      events: sum((r) => (r.outcome === 'left' ? 0 : r.events)),
      // '-' when no count is known (the forwarder's documents before it ran: --dry-run).
      documents: mine.some((r) => r.outcome !== 'left' && r.documents === undefined) ? '-' : sum((r) => (r.outcome === 'left' ? 0 : (r.documents ?? 0))),
      expired: sum((r) => r.expired),
    };
  });
  return renderColumns([
    { header: 'SOURCE', values: rows.map((r) => r.source) },
    { header: 'ITEMS', values: rows.map((r) => r.items) },
    { header: results.some((r) => r.outcome === 'would replay') ? 'WOULD REPLAY' : 'REPLAYED', values: rows.map((r) => r.done) },
    { header: 'EVENTS/RECORDS', values: rows.map((r) => r.events) },
    { header: 'DOCUMENTS', values: rows.map((r) => r.documents) },
    { header: 'EXPIRED', values: rows.map((r) => r.expired) },
    { header: 'LEFT', values: rows.map((r) => r.left) },
  ]);
}
