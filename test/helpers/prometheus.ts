/**
 * Starts and stops a real Prometheus (Debian's `prometheus` package, 2.42 in bookworm) for
 * integration tests: its own process group, a free loopback port, a temporary TSDB, the
 * remote-write receiver and an out-of-order window. Never the Debian service on :9090.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from './freePort.ts';

export interface PrometheusServer {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  /** `<url>/api/v1/write` */
  remoteWriteUrl: string;
  /** Every raw sample of every series matching `selector` (a PromQL series selector) in the last `range`. */
  rawSeries(selector: string, range?: string): Promise<RawSeries[]>;
  /** An instant PromQL query at `timeMs` (default now): each series' labels and value. */
  instant(expr: string, timeMs?: number): Promise<{ labels: Record<string, string>; value: number }[]>;
  /** The full log output so far (for assertion messages). */
  logs(): string;
  /** Freezes the process (SIGSTOP): requests hang, as with an overloaded receiver. Returns the function that resumes it. */
  pause(): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

export interface RawSeries {
  labels: Record<string, string>;
  /** [timestamp ms, value] in time order. */
  samples: [number, number][];
}

export interface StartPrometheusOptions {
  /** `storage.tsdb.out_of_order_time_window`. @default '2h' */
  outOfOrderTimeWindow?: string;
  /** @default process.env.PROMETHEUS_BIN ?? 'prometheus' */
  binary?: string;
}

/** Whether the binary is installed (the suites fail with a clear message if not, rather than skipping). */
async function prometheusVersion(binary = process.env.PROMETHEUS_BIN ?? 'prometheus'): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(binary, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    p.on('error', (err) => reject(new Error(`${binary} not found (install Debian's prometheus package: .ci/install-system-packages.sh): ${err.message}`)));
    p.on('exit', (code) => (code === 0 ? resolve(out.split('\n')[0] ?? out) : reject(new Error(`${binary} --version exited ${code}: ${out}`))));
  });
}

/** Prometheus's JSON float strings: Go's shortest representation, or `+Inf`, `-Inf`, `NaN`. */
function parsePromFloat(v: string): number {
  if (v === '+Inf') return Number.POSITIVE_INFINITY;
  if (v === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(v);
}


const running = new Set<ChildProcess>();
process.once('exit', () => {
  // Last resort if a test process dies without afterAll: never leave a daemon behind.
  for (const c of running) if (c.pid !== undefined) try { process.kill(-c.pid, 'SIGKILL'); } catch { /* already gone */ }
});

export async function startPrometheus(opts: StartPrometheusOptions = {}): Promise<PrometheusServer> {
  await prometheusVersion(opts.binary);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      lastError = err; // most likely the port was taken between probing and binding
    }
  }
  throw lastError;
}

async function startOnce(opts: StartPrometheusOptions): Promise<PrometheusServer> {
  const binary = opts.binary ?? process.env.PROMETHEUS_BIN ?? 'prometheus';
  const dir = mkdtempSync(join(tmpdir(), 'emf-fanout-prom-'));
  const configFile = join(dir, 'prometheus.yml');
  // No scrape_configs: the only series are the ones the tests write.
  writeFileSync(configFile, `global:\n  scrape_interval: 1h\nstorage:\n  tsdb:\n    out_of_order_time_window: ${opts.outOfOrderTimeWindow ?? '2h'}\n`);
  const port = await freeTcpPort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  running.add(child);
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    running.delete(child);
    resolve();
  }));

  const stop = async () => {
    if (!exited && child.pid !== undefined) {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      const killer = setTimeout(() => {
        try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
      }, 5_000);
      await exitedPromise;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const readyBy = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`prometheus exited during start-up:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`);
      await res.text();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > readyBy) {
      await stop();
      throw new Error(`prometheus not ready after 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    remoteWriteUrl: `${url}/api/v1/write`,
    logs: () => output,
    stop,
    async pause() {
      process.kill(-child.pid!, 'SIGSTOP');
      // SIGSTOP is asynchronous: on a loaded machine a Prometheus thread can still answer a request after
      // kill() returns. Wait until the kernel reports every thread stopped (state T) before the fault counts.
      await waitStopped(child.pid!);
      return async () => {
        process.kill(-child.pid!, 'SIGCONT');
      };
    },
    async instant(expr, timeMs = Date.now()) {
      const q = new URLSearchParams({ query: expr, time: String(timeMs / 1000) });
      const res = await fetch(`${url}/api/v1/query?${q}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success' || body.data?.resultType !== 'vector') throw new Error(`query ${expr} failed: ${JSON.stringify(body)}`);
      return body.data.result.map((r) => ({ labels: r.metric, value: parsePromFloat(r.value[1]) }));
    },
    async rawSeries(selector, range = '3h') {
      const q = new URLSearchParams({ query: `${selector}[${range}]`, time: String((Date.now() + 60_000) / 1000) });
      const res = await fetch(`${url}/api/v1/query?${q}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] } };
      if (body.status !== 'success' || body.data?.resultType !== 'matrix') throw new Error(`query ${selector} failed: ${JSON.stringify(body)}`);
      return body.data.result.map((r) => ({
        labels: r.metric,
        samples: r.values.map(([t, v]): [number, number] => [Math.round(t * 1000), parsePromFloat(v)]),
      }));
    },
  };
}

/** Resolves once every thread of `pid` is in state T (stopped), per /proc/<pid>/task/<tid>/stat. */
async function waitStopped(pid: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const tids = readdirSync(`/proc/${pid}/task`);
    const states = tids.map((t) => {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      } catch {
        return 'T'; // the thread is gone
      }
    });
    if (states.every((st) => st === 'T' || st === 't')) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`prometheus (pid ${pid}) did not stop after SIGSTOP`);
}
