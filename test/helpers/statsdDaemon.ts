/**
 * Starts and stops the real npm `statsd` daemon (Etsy StatsD 0.9) for integration tests: its own
 * process group, UDP and TCP servers and the management console on free loopback ports, no
 * backends and a one-hour flush interval, so the aggregates stay readable for the whole test.
 *
 * The management console (`counters`, `timers`, `gauges`) answers with Node's `util.inspect`
 * of the daemon's objects (preloaded with no array cut-off); `read` evaluates that text in an
 * empty VM context.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { freeTcpPort } from './freePort.ts';

export interface StatsdDaemon {
  host: '127.0.0.1';
  udpPort: number;
  tcpPort: number;
  mgmtPort: number;
  /** The daemon's aggregates: counters (summed, sample rates applied), timers (every value), gauges (last value). */
  read(): Promise<StatsdAggregates>;
  /** Stops the process (the ports stay reserved for `restart`). */
  stop(): Promise<void>;
  /** Starts it again on the same ports, with empty aggregates. */
  restart(): Promise<void>;
  /** Stops it for good and removes its temporary directory. */
  dispose(): Promise<void>;
  /** Everything the daemon printed (for assertion messages). */
  logs(): string;
}

export interface StatsdAggregates {
  counters: Record<string, number>;
  timers: Record<string, number[]>;
  gauges: Record<string, number>;
}

const STATS_JS = join(dirname(createRequire(import.meta.url).resolve('statsd/package.json')), 'stats.js');


function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.on('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Sends one management command and returns the answer up to its `END` line. */
function mgmtCommand(port: number, command: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`statsd management command "${command}" got no END within ${timeoutMs} ms: ${text}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\nEND\n');
      if (end >= 0 || (command === 'health' && text.includes('\n'))) {
        clearTimeout(timer);
        socket.end();
        resolve(end >= 0 ? text.slice(0, end) : text.trim());
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function parseInspect<T>(text: string, what: string): T {
  if (/\.\.\. \d+ more item/.test(text)) throw new Error(`statsd ${what} output was truncated by util.inspect`);
  return runInNewContext(`(${text})`, Object.create(null)) as T;
}

/**
 * The key under which the daemon aggregates a line with metric `name` and DogStatsD tags `tags`
 * (`k:v` strings), as its `stats.js` computes it: tags joined with `;` after the name, the first
 * `;` and the first `:` of each tag replaced, then its key sanitiser (spaces → `_`, `/` → `-`,
 * everything outside `[a-zA-Z_\-0-9.;=]` removed).
 */
export function daemonKey(name: string, tags: readonly string[] = []): string {
  let key = name;
  if (tags.length > 0) key += ';' + tags.map((t) => t.replace(';', '_').replace(':', '=')).join(';');
  return key.replace(/\s+/g, '_').replace(/\//g, '-').replace(/[^a-zA-Z_\-0-9.;=]/g, '');
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  // Last resort if a test process dies without afterAll: never leave a daemon behind.
  for (const c of running) if (c.pid !== undefined) try { process.kill(-c.pid, 'SIGKILL'); } catch { /* already gone */ }
});

/**
 * @example
 * const daemon = await startStatsdDaemon();
 * // … send to daemon.udpPort …
 * const { counters } = await daemon.read();
 * await daemon.stop();
 */
export async function startStatsdDaemon(): Promise<StatsdDaemon> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const ports = { udpPort: await freeUdpPort(), tcpPort: await freeTcpPort(), mgmtPort: await freeTcpPort() };
    const dir = mkdtempSync(join(tmpdir(), 'emf-fanout-statsd-'));
    const proc = new DaemonProcess(dir, ports);
    try {
      await proc.start();
    } catch (err) {
      lastError = err; // most likely a port was taken between probing and binding
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    return {
      host: '127.0.0.1',
      ...ports,
      read: async () => ({
        counters: parseInspect(await mgmtCommand(ports.mgmtPort, 'counters'), 'counters'),
        timers: parseInspect(await mgmtCommand(ports.mgmtPort, 'timers'), 'timers'),
        gauges: parseInspect(await mgmtCommand(ports.mgmtPort, 'gauges'), 'gauges'),
      }),
      stop: () => proc.stop(),
      restart: () => proc.start(),
      dispose: async () => {
        await proc.stop();
        rmSync(dir, { recursive: true, force: true });
      },
      logs: () => proc.output,
    };
  }
  throw lastError;
}

class DaemonProcess {
  output = '';
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly ports: { udpPort: number; tcpPort: number; mgmtPort: number },
  ) {
    const config = {
      servers: [
        { server: './servers/udp', address: '127.0.0.1', port: ports.udpPort },
        { server: './servers/tcp', address: '127.0.0.1', port: ports.tcpPort },
      ],
      mgmt_address: '127.0.0.1',
      mgmt_port: ports.mgmtPort,
      backends: [],
      flushInterval: 3_600_000,
      automaticConfigReload: false,
      title: false,
      log: { backend: 'stdout' },
    };
    writeFileSync(join(dir, 'config.js'), JSON.stringify(config));
    // The console prints with util.inspect, which cuts arrays after 100 items: show every timer value.
    writeFileSync(join(dir, 'inspect-all.cjs'), "require('node:util').inspect.defaultOptions.maxArrayLength = null;\n");
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--require', join(this.dir, 'inspect-all.cjs'), STATS_JS, join(this.dir, 'config.js')], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    running.add(child);
    let exited = false;
    this.exited = new Promise((resolve) => child.once('exit', () => {
      exited = true;
      running.delete(child);
      resolve();
    }));
    child.stdout!.on('data', (b: Buffer) => (this.output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (this.output += b.toString()));
    const readyBy = Date.now() + 15_000;
    for (;;) {
      if (exited) throw new Error(`statsd exited during start-up:\n${this.output}`);
      try {
        if ((await mgmtCommand(this.ports.mgmtPort, 'health', 1_000)).includes('up')) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > readyBy) {
        await this.stop();
        throw new Error(`statsd not ready after 15 s:\n${this.output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      await this.exited;
    }
  }
}
