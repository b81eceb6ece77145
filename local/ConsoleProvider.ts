/**
 * The default provider of `npm start`: prints what the consumers receive, one block per flush
 * (one consumer invocation), one line per datum — namespace and name, dimensions, value, unit and
 * timestamp — so a user sees what their EMF output becomes before deploying anything.
 *
 *   ── console · flush 1 · 7 data points ──
 *   emf-fanout/checkout OrderValue{LogGroup="checkout",Operation="Checkout"} 42.5 None @ 2026-11-23T11:19:59.040Z
 */
import { isStatisticSet, type MetricDatum, type Provider, type SendContext, type SendResult } from '../shared/consumer/types.ts';

export interface ConsoleProviderOptions {
  /** Where the blocks go. @default process.stdout */
  write?: (text: string) => void;
  /** Count only, print nothing (`--quiet`, benchmarks). */
  quiet?: boolean;
  /** @default 'console' */
  name?: string;
}

/** Longer value lists are shortened (the summary still counts every value). */
const MAX_LISTED = 10;
const fmtNumber = (n: number) => (Number.isInteger(n) || Math.abs(n) >= 1e-4 ? String(n) : n.toExponential());
const quote = (s: string) => JSON.stringify(s);

/** The value as a reader expects it: `42.5`, `[1, 2, 2]`, or `{count=3 sum=6 min=1 max=3}` (+ values×counts of a histogram). */
function formatValue(d: Pick<MetricDatum, 'value'>): string {
  const v = d.value;
  if (typeof v === 'number') return fmtNumber(v);
  if (!isStatisticSet(v)) {
    if (v.length <= MAX_LISTED) return `[${v.map(fmtNumber).join(', ')}]`;
    return `[${v.slice(0, MAX_LISTED - 1).map(fmtNumber).join(', ')}, …, ${fmtNumber(v.at(-1)!)}] (${v.length} values)`;
  }
  const base = `count=${fmtNumber(v.count)} sum=${fmtNumber(v.sum)} min=${fmtNumber(v.min)} max=${fmtNumber(v.max)}`;
  if (!v.values || !v.counts) return `{${base}}`;
  const pairs = v.values.map((x, i) => `${fmtNumber(x)}×${fmtNumber(v.counts![i] ?? 0)}`).join(' ');
  return `{${base} values=[${pairs}]}`;
}

/** One line: `namespace name{dim="v",…} value unit [1s] @ ISO-timestamp`. */
export function formatDatum(d: MetricDatum): string {
  const dims = Object.entries(d.dimensions).map(([k, v]) => `${k}=${quote(v)}`).join(',');
  const resolution = d.storageResolution === 1 ? ' (high-resolution)' : '';
  const when = Number.isFinite(d.timestamp) ? new Date(d.timestamp).toISOString() : String(d.timestamp);
  return `${d.namespace} ${d.name}{${dims}} ${formatValue(d)} ${d.unit}${resolution} @ ${when}`;
}

/** A plain `Provider`: it keeps every datum until `flush`, which plain data allow. */
export class ConsoleProvider implements Provider {
  readonly name: string;
  /** Data points printed (or counted, when quiet). */
  delivered = 0;
  flushes = 0;
  private buffered: MetricDatum[] = [];
  private readonly write: (text: string) => void;

  constructor(private readonly opts: ConsoleProviderOptions = {}) {
    this.name = opts.name ?? 'console';
    this.write = opts.write ?? ((t) => void process.stdout.write(t));
  }

  async send(data: readonly MetricDatum[], _ctx: SendContext): Promise<SendResult> {
    for (const d of data) this.buffered.push(d);
    return { status: 'success' };
  }

  /** Prints the invocation's data as one block. */
  async flush(_ctx: SendContext): Promise<SendResult> {
    const data = this.buffered;
    this.buffered = [];
    if (data.length === 0) return { status: 'success' };
    this.flushes++;
    this.delivered += data.length;
    if (!this.opts.quiet) {
      // A sub-heading whenever the log group changes, so each function's data reads as a group.
      const lines: string[] = [`── ${this.name} · flush ${this.flushes} · ${data.length} data point${data.length === 1 ? '' : 's'} ──`];
      let group: string | undefined;
      for (const d of data) {
        if (d.source.logGroup !== group) lines.push(`  ${(group = d.source.logGroup)}`);
        lines.push(`    ${formatDatum(d)}`);
      }
      this.write(`${lines.join('\n')}\n`);
    }
    return { status: 'success' };
  }
}
