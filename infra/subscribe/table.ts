/**
 * Renders a plan (and an apply report) as a plain-text table for review. Plain text on
 * purpose: it reads the same in a terminal, a CI log and a pasted change request.
 */
import type { ApplyReport } from '../../shared/subscriptions/apply.ts';
import { ACTIONS, type Action } from '../../shared/subscriptions/decide.ts';
import { ACTION_ORDER, type Plan, summarise } from '../../shared/subscriptions/plan.ts';

export interface Column {
  header: string;
  values: string[];
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function renderColumns(columns: readonly Column[]): string {
  const widths = columns.map((c) => Math.max(c.header.length, ...c.values.map((v) => v.length)));
  const rows = columns[0]?.values.length ?? 0;
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(columns.map((c) => c.header))];
  for (let r = 0; r < rows; r++) out.push(line(columns.map((c) => c.values[r] ?? '')));
  return out.join('\n');
}

function summaryLine(counts: Partial<Record<Action, number>>): string {
  const parts = ACTION_ORDER.filter((a) => (counts[a] ?? 0) > 0).map((a) => `${counts[a]} ${ACTIONS[a]}`);
  return parts.length === 0 ? 'nothing selected' : parts.join(', ');
}

/** The full plan text: header, table, summary. */
export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  const t = plan.target;
  lines.push(
    plan.mode === 'subscribe'
      ? `Plan: subscribe with filter "${plan.filterName}"${t ? ` → ${t.destinationArn}` : ''}`
      : `Plan: unsubscribe filter "${plan.filterName}" (only emf-fanout's own filter is ever deleted)`,
  );
  if (plan.mode === 'subscribe' && t) lines.push(`Filter pattern: ${t.filterPattern === '' ? '(empty: every event)' : t.filterPattern}`);
  lines.push('');
  if (plan.entries.length > 0) {
    lines.push(
      renderColumns([
        { header: 'ACTION', values: plan.entries.map((e) => ACTIONS[e.action]) },
        { header: 'LOG GROUP', values: plan.entries.map((e) => e.logGroupName) },
        { header: 'DETAIL', values: plan.entries.map((e) => e.detail) },
      ]),
    );
    lines.push('');
  }
  const extras = [
    `${plan.scanned} log group(s) scanned`,
    plan.skippedByTags > 0 ? `${plan.skippedByTags} skipped: tags do not match` : undefined,
    plan.vanished > 0 ? `${plan.vanished} deleted while planning` : undefined,
  ].filter(Boolean);
  lines.push(`Summary: ${summaryLine(summarise(plan))} (${extras.join('; ')})`);
  return lines.join('\n');
}

/** What `--apply` did. */
export function renderReport(report: ApplyReport): string {
  const lines: string[] = [];
  if (report.results.length > 0) {
    lines.push(
      renderColumns([
        { header: 'RESULT', values: report.results.map((r) => r.outcome) },
        { header: 'LOG GROUP', values: report.results.map((r) => r.entry.logGroupName) },
        { header: 'DETAIL', values: report.results.map((r) => r.detail) },
      ]),
    );
  }
  const done = report.results.filter((r) => r.outcome === 'done').length;
  const blocked = report.results.filter((r) => r.outcome === 'blocked').length;
  const vanished = report.results.filter((r) => r.outcome === 'vanished').length;
  lines.push(`Applied: ${done} changed, ${blocked} blocked, ${vanished} already gone${report.notStarted ? `, ${report.notStarted} not started` : ''}`);
  return lines.join('\n');
}
