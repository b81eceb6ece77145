/**
 * `npm start -- --show prometheus` (formerly `--prometheus-preview`): the real Prometheus provider
 * (`createPrometheusProvider`, configured by every `PROM_RW_*` variable) writing to a sink in this
 * process instead of a receiver. The sink decodes each remote-write body as a receiver would
 * (`decodeWriteRequest`), keeps the latest sample of every series and answers 204; at the end of
 * the run `render` prints what Prometheus would hold, in the text exposition style:
 *
 *   # prometheus preview (PROM_RW_MODE=cumulative): 535 series, 1,052 samples written in 1 remote-write request, not sent (no PROM_RW_URL); latest value of each series:
 *   emf_fanout_a_hits_total{emf_fanout_writer="b4e62682edbb",service="search"} 6
 *
 * Nothing leaves the machine: `PROM_RW_URL`, when set, is validated but never contacted (a
 * placeholder `.invalid` URL stands in when it is not), and the auth settings are validated but
 * their credentials are not fetched (there is no request to sign).
 */
import type { Env } from '../shared/config/env.ts';
import type { AnyProvider as Provider } from '../shared/consumer/types.ts';
import type { Mode } from '../functions/consumers/prometheus/config.ts';
import { decodeWriteRequest, type Label } from '../functions/consumers/prometheus/writeRequest.ts';

/** Stands in for `PROM_RW_URL` when it is not set; never contacted (`.invalid` cannot resolve, RFC 2606). */
export const PREVIEW_URL = 'http://prometheus-preview.invalid/api/v1/write';

interface Latest {
  name: string;
  /** Without `__name__`, sorted by name. */
  labels: Label[];
  timestamp: number;
  value: number;
}

/** What the sink received: every series with its latest sample, and the totals. */
export class PrometheusPreview {
  /** Remote-write requests received. */
  requests = 0;
  /** Samples received (every sample of every series, not only the latest). */
  samples = 0;
  /** The mode previewed (`PROM_RW_MODE`); set when the provider is created. */
  mode: Mode | undefined;
  /** `PROM_RW_URL` as given (not contacted), or undefined when it was not set. */
  url: string | undefined;
  private readonly series = new Map<string, Latest>();

  /** A `fetch` for `PrometheusProviderDeps`: decodes the body, records it, answers 204 (400 if it cannot be decoded). */
  readonly fetch: typeof fetch = async (_input, init) => {
    const body = init?.body;
    if (!(body instanceof Uint8Array)) return new Response('prometheus preview: the body is not bytes', { status: 400 });
    try {
      this.record(decodeWriteRequest(body));
    } catch (err) {
      return new Response(`prometheus preview: cannot decode the write request: ${(err as Error).message}`, { status: 400 });
    }
    return new Response(null, { status: 204 });
  };

  private record(req: ReturnType<typeof decodeWriteRequest>): void {
    this.requests++;
    for (const ts of req.timeseries) {
      const name = ts.labels.find((l) => l.name === '__name__')?.value ?? '';
      const labels = ts.labels.filter((l) => l.name !== '__name__').sort((a, b) => compare(a.name, b.name));
      const key = JSON.stringify([name, labels.map((l) => [l.name, l.value])]);
      for (const s of ts.samples) {
        this.samples++;
        const prev = this.series.get(key);
        // A later timestamp replaces the sample; at the same timestamp the last written wins (as a receiver keeps one).
        if (prev === undefined || s.timestamp >= prev.timestamp) this.series.set(key, { name, labels, timestamp: s.timestamp, value: s.value });
      }
    }
  }

  /** The number of series received. */
  get seriesCount(): number {
    return this.series.size;
  }

  /** The header line and one `name{label="value",...} value` line per series, sorted. */
  render(): string {
    const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
    const where = this.url === undefined ? 'not sent (no PROM_RW_URL)' : `not sent to PROM_RW_URL ${this.url}`;
    const header = `# prometheus preview (PROM_RW_MODE=${this.mode ?? '?'}): ${this.series.size.toLocaleString('en-US')} series, ${plural(this.samples, 'sample')} written in ${plural(this.requests, 'remote-write request')}, ${where}; latest value of each series:`;
    const lines = [...this.series.values()].sort(compareSeries).map((s) => {
      const labels = s.labels.map((l) => `${l.name}="${escapeLabelValue(l.value)}"`).join(',');
      return `${s.name}${labels === '' ? '' : `{${labels}}`} ${formatValue(s.value)}`;
    });
    return [header, ...lines].join('\n') + '\n';
  }
}

/** The exposition format's escapes in a label value: backslash, double quote, line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** A sample value as the exposition format writes it (`NaN`, `+Inf`, `-Inf`, else the shortest decimal). */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const leOrder = (v: string) => (v === '+Inf' ? Number.POSITIVE_INFINITY : Number(v));

/** By name, then by the labels other than `le`, then by `le` as a number (a histogram's buckets in order). */
function compareSeries(a: Latest, b: Latest): number {
  const byName = compare(a.name, b.name);
  if (byName !== 0) return byName;
  const rest = (s: Latest) => s.labels.filter((l) => l.name !== 'le');
  const ra = rest(a);
  const rb = rest(b);
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const c = compare(ra[i]!.name, rb[i]!.name) || compare(ra[i]!.value, rb[i]!.value);
    if (c !== 0) return c;
  }
  if (ra.length !== rb.length) return ra.length - rb.length;
  const la = a.labels.find((l) => l.name === 'le')?.value;
  const lb = b.labels.find((l) => l.name === 'le')?.value;
  if (la === undefined || lb === undefined) return (la === undefined ? 0 : 1) - (lb === undefined ? 0 : 1);
  return leOrder(la) - leOrder(lb) || compare(la, lb);
}

/**
 * The real provider, configured by `env`'s `PROM_RW_*` variables, writing to `preview`'s sink.
 * Throws the provider's `ConfigError` on a bad setting, as without the preview.
 */
export async function createPreviewProvider(env: Env, preview: PrometheusPreview): Promise<Provider> {
  const { loadPrometheusConfig } = await import('../functions/consumers/prometheus/config.ts');
  const { createPrometheusProvider } = await import('../functions/consumers/prometheus/PrometheusProvider.ts');
  const given = (env.PROM_RW_URL ?? '').trim() !== '';
  const loaded = loadPrometheusConfig(given ? env : { ...env, PROM_RW_URL: PREVIEW_URL });
  // Nothing is sent, so nothing is signed: the credentials (secrets, SigV4) are not fetched.
  const { headersRef: _unused, ...rest } = loaded;
  const config = { ...rest, auth: { type: 'none' as const } };
  preview.mode = config.translate.mode;
  preview.url = given ? loaded.url : undefined;
  return createPrometheusProvider(config, { fetch: preview.fetch });
}
