/**
 * Raw StatsD listeners on loopback for wire tests: a UDP socket, a TCP server and a Unix
 * datagram socket (through `unix-dgram`, the native module hot-shots itself uses for UDS).
 * They record exactly what arrived: datagrams for UDP and UDS, the byte stream for TCP.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type ListenerProtocol = 'udp' | 'tcp' | 'uds';

export interface RawListener {
  protocol: ListenerProtocol;
  /** `STATSD_*` variables that point a consumer at this listener. */
  env: Record<string, string>;
  /** Datagrams as received (UDP, UDS); for TCP, the stream so far as one string. */
  datagrams(): string[];
  /** Every line received, in order (datagrams split at `\n`; TCP's stream split at `\n`). */
  lines(): string[];
  /** Polls until at least `n` lines arrived or `timeoutMs` passed; returns the lines. */
  waitForLines(n: number, timeoutMs?: number): Promise<string[]>;
  clear(): void;
  close(): Promise<void>;
}

interface UnixDgramSocket {
  bind(path: string): void;
  close(): void;
  on(event: 'message', fn: (buf: Buffer) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
}
interface UnixDgram {
  createSocket(type: 'unix_dgram', listener?: (buf: Buffer) => void): UnixDgramSocket;
}

function splitLines(chunks: readonly string[]): string[] {
  return chunks.flatMap((c) => c.split('\n')).filter((l) => l !== '');
}

function listener(protocol: ListenerProtocol, env: Record<string, string>, received: string[], close: () => Promise<void>): RawListener {
  const lines = () => splitLines(received);
  return {
    protocol,
    env,
    datagrams: () => (protocol === 'tcp' ? [received.join('')] : [...received]),
    lines,
    async waitForLines(n, timeoutMs = 3_000) {
      const stop = Date.now() + timeoutMs;
      while (lines().length < n && Date.now() < stop) await new Promise((r) => setTimeout(r, 10));
      return lines();
    },
    clear: () => void (received.length = 0),
    close,
  };
}

export async function startUdpListener(): Promise<RawListener> {
  const socket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (msg) => received.push(msg.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return listener('udp', { STATSD_PROTOCOL: 'udp', STATSD_HOST: '127.0.0.1', STATSD_PORT: String(port) }, received, () => new Promise((r) => socket.close(() => r())));
}

/** A TCP listener; `port` reuses a port (to bring a listener back where a consumer already points). */
export async function startTcpListener(port = 0): Promise<RawListener & { port: number }> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => received.push(chunk));
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
  const close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return { ...listener('tcp', { STATSD_PROTOCOL: 'tcp', STATSD_HOST: '127.0.0.1', STATSD_PORT: String(bound) }, received, close), port: bound };
}

/** A fresh path for a Unix socket (in its own temporary directory); `remove()` deletes the directory. */
export function udsPath(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'emf-fanout-uds-'));
  return { path: join(dir, 'dsd.socket'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A Unix datagram listener bound at `path` (DogStatsD's `unix_dgram` socket). */
export function startUdsListener(path: string): RawListener {
  const unixDgram = createRequire(import.meta.url)('unix-dgram') as UnixDgram;
  const received: string[] = [];
  const socket = unixDgram.createSocket('unix_dgram', (buf) => received.push(buf.toString('utf8')));
  socket.on('error', () => undefined);
  rmSync(path, { force: true });
  socket.bind(path);
  const close = async () => {
    socket.close();
    rmSync(path, { force: true });
  };
  return listener('uds', { STATSD_PROTOCOL: 'uds', STATSD_SOCKET_PATH: path }, received, close);
}
