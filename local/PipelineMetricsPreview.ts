/**
 * `npm start -- --show pipeline`: the pipeline's own metrics (docs/monitoring.md#what-is-published) that
 * the run's invocations would have published. The forwarder and the consumers print their documents
 * into this sink exactly as they print them to standard output in Lambda; each document is read back
 * as CloudWatch would read it (this project's validator, then the consumer's EMF decoding), and the
 * values are added up per function and metric. Nothing is computed beside the documents.
 */
import { emfToData } from '../shared/consumer/emfToData.ts';
import { validateEmf } from '../shared/emf/validate.ts';
import { CONSUMER_METRICS, PIPELINE_DIMENSION, PIPELINE_NAMESPACE } from '../shared/pipeline/names.ts';
import type { MetricsSink } from '../shared/pipeline/PipelineMetricsPublisher.ts';
import { Tally } from '../shared/tally.ts';

/** One metric of one function over the run: the sum of its values, and every sample of an array value (`Lag`). */
export interface MetricTotal {
  unit: string;
  sum: number;
  samples: number[];
}

const SOURCE = { account: '000000000000', region: 'local', logGroup: 'pipeline-metrics', logStream: 'local', eventId: '', origin: 'emf' } as const;

const n = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 3 });

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export class PipelineMetricsPreview {
  private readonly functions = new Map<string, { invocations: number; metrics: Map<string, MetricTotal> }>();
  /** Documents CloudWatch would not read (a defect of the builder; shown, never hidden). */
  private readonly problems: string[] = [];

  /** Where the forwarder and the consumers print their documents during the run. */
  readonly sink: MetricsSink = (line) => this.read(line);

  private read(line: string): void {
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (err) {
      this.problems.push(`not JSON: ${(err as Error).message}`);
      return;
    }
    const invalid = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? validateEmf(doc as Record<string, unknown>) : { reason: 'aws_invalid', detail: 'not an object' };
    if (invalid) {
      this.problems.push(`${invalid.reason}: ${invalid.detail}`);
      return;
    }
    const issues = { dropped: new Tally(), warnings: new Tally() };
    const data = emfToData(doc, SOURCE, 0, issues);
    // One invocation per document, but for a consumer's further documents, which hold only Lag samples.
    const invocation = data.some((d) => d.name !== CONSUMER_METRICS.lag);
    for (const d of data) {
      const fn = Object.hasOwn(d.dimensions, PIPELINE_DIMENSION) ? d.dimensions[PIPELINE_DIMENSION]! : '(no FunctionName)';
      if (d.namespace !== PIPELINE_NAMESPACE) this.problems.push(`namespace ${d.namespace}`);
      const f = this.functions.get(fn) ?? { invocations: 0, metrics: new Map<string, MetricTotal>() };
      this.functions.set(fn, f);
      if (invocation && d === data[0]) f.invocations++;
      const total = f.metrics.get(d.name) ?? { unit: d.unit, sum: 0, samples: [] };
      f.metrics.set(d.name, total);
      if (typeof d.value === 'number') total.sum += d.value;
      else if (Array.isArray(d.value)) for (const v of d.value as readonly number[]) total.samples.push(v);
      else this.problems.push(`${d.name}: a statistic set`);
    }
    for (const [reason, count] of Object.entries({ ...issues.dropped.counts, ...issues.warnings.counts })) this.problems.push(`${reason} (${count})`);
  }

  /** Per function (by name), per metric (by name): what the run would have published. */
  totals(): Map<string, Map<string, MetricTotal>> {
    const out = new Map<string, Map<string, MetricTotal>>();
    for (const fn of [...this.functions.keys()].sort()) {
      const metrics = this.functions.get(fn)!.metrics;
      out.set(fn, new Map([...metrics.keys()].sort().map((name) => [name, metrics.get(name)!])));
    }
    return out;
  }

  /** The section printed after the summary. `enabled`: `PIPELINE_METRICS` as the run read it. */
  render(enabled: boolean): string {
    const lines = [`══ pipeline metrics (${PIPELINE_NAMESPACE}, one EMF document per invocation; docs/monitoring.md) ══`];
    if (!enabled) return `${lines[0]}\nPIPELINE_METRICS=false: the functions publish none\n`;
    if (this.functions.size === 0) lines.push('no invocation published any');
    const totals = this.totals();
    const width = Math.max(0, ...[...totals.values()].flatMap((m) => [...m.keys()].map((k) => k.length)));
    for (const [fn, metrics] of totals) {
      const invocations = this.functions.get(fn)!.invocations;
      lines.push(`${PIPELINE_DIMENSION}=${fn}: ${n(invocations)} invocation${invocations === 1 ? '' : 's'}, the sum of each metric`);
      for (const [name, t] of metrics) {
        if (t.samples.length === 0) {
          lines.push(`  ${name.padEnd(width)} ${n(t.sum).padStart(12)}`);
          continue;
        }
        const sorted = [...t.samples].sort((a, b) => a - b);
        const stats = [50, 90, 99].map((p) => `p${p} ${n(percentile(sorted, p))}`).join(' · ');
        lines.push(`  ${name.padEnd(width)} ${n(sorted.length).padStart(12)} samples (${t.unit}): ${stats} · max ${n(sorted[sorted.length - 1]!)}`);
      }
    }
    if (this.problems.length > 0) lines.push(`NOT READABLE by CloudWatch (${this.problems.length}): ${this.problems.slice(0, 3).join('; ')}`);
    return `${lines.join('\n')}\n`;
  }
}
