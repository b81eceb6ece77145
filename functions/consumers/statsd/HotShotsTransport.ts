/**
 * Datagrams → the StatsD server, through one hot-shots client per container (UDP, TCP, or a
 * Unix datagram socket via hot-shots' optional native `unix-dgram`).
 *
 * hot-shots provides the sockets, DNS caching, UDS retries on `EAGAIN`/congestion and client
 * telemetry. We hand it finished datagrams (`sendMessage`), unbuffered, because:
 * - its metric methods apply *random* client-side sampling to any sample rate below 1, and a
 *   statistic set's counts are deterministic weights that must always arrive;
 * - in buffered mode a send error of an overflow flush goes to a global error handler, not to
 *   the batch it belongs to, and the per-metric callback only means "queued".
 * Unbuffered, the callback of each datagram fires when the transport has finished with it:
 * UDP — the kernel accepted the datagram (no acknowledgement from the receiver exists);
 * TCP — the write was handed to the kernel; UDS — the datagram is in the receiver's socket queue.
 * `sendAll` resolves only after every callback (and hot-shots' own `flush`, which drains its
 * in-flight telemetry), so nothing is left queued when Lambda freezes the sandbox.
 *
 * After any failure the client is dropped and a new one is made on the next send: hot-shots
 * does not replace a TCP socket that the server closed cleanly, nor one that failed to connect
 * at start-up, so reusing it would fail forever.
 */
import { createRequire } from 'node:module';
import StatsD, { type ClientOptions, type StatsD as HotShotsClient } from 'hot-shots';
import { ConfigError } from '../../../shared/errors.ts';
import type { SendResult } from '../../../shared/consumer/types.ts';
import type { TransportOptions } from './config.ts';

/**
 * hot-shots writes TCP as `ascii`, which keeps only the low byte of each UTF-16 unit: a tag letter such as
 * `Ċ` (U+010A) would reach the server as a newline and `ż` (U+017C) as `|`. So over TCP each character
 * outside ASCII becomes `_` before hot-shots sees it (UDP and UDS send the UTF-8 bytes).
 */
const NON_ASCII = /[^\p{ASCII}]/gu;

/** The hot-shots internals we rely on (present in 17.x, the version tested; `sendMessage` is checked when a client is made). */
interface ClientInternals {
  sendMessage(message: string, callback: (err?: Error | null) => void): void;
  socket: { close(): void } | null;
}
type Client = Omit<HotShotsClient, 'socket'> & ClientInternals;

/** Makes a hot-shots client; tests pass their own to observe it. */
export type ClientFactory = (options: ClientOptions) => HotShotsClient;

/** Failure reason when the OS refuses a datagram as too large (it will never fit: not retried). */
const DATAGRAM_TOO_LARGE_REASON = 'statsd_datagram_too_large';

/**
 * Throws a `ConfigError` at cold start when `STATSD_PROTOCOL=uds` but hot-shots' optional native
 * dependency `unix-dgram` is not built (npm skips its install script unless it is approved).
 */
export function assertUdsAvailable(): void {
  try {
    createRequire(import.meta.url)('unix-dgram');
  } catch (err) {
    throw new ConfigError(
      'STATSD_PROTOCOL',
      `is uds, but hot-shots' native dependency unix-dgram cannot be loaded (${(err as Error).message.split('\n')[0]}); ` +
        'build it with `npm rebuild unix-dgram` (needs make, g++ and python3) and ship it with the function',
    );
  }
}

/**
 * The transport replaces the whole client after a failure, so hot-shots' own socket replacement
 * is switched off: it would close a `unix-dgram` socket from inside its send callback, and
 * `unix-dgram` aborts the process on a close there or on a second close (a native assertion,
 * not an exception). A restart limit this large means "never" (it is only compared, never a timer).
 */
const NO_INTERNAL_RECONNECT = {
  tcpGracefulErrorHandling: false,
  udsGracefulErrorHandling: false,
  tcpGracefulRestartRateLimit: Number.MAX_SAFE_INTEGER,
  udsGracefulRestartRateLimit: Number.MAX_SAFE_INTEGER,
} as const satisfies ClientOptions;

/**
 * hot-shots options: explicit protocol and address, so `DD_AGENT_HOST`, `DD_DOGSTATSD_URL`
 * and friends never redirect the client; Datadog mode and `DD_*` tags off, so `DD_ENV` and
 * the like never change the lines; telemetry only when configured.
 */
function clientOptions(o: TransportOptions, errorHandler: (err: Error) => void): ClientOptions {
  const common: ClientOptions = {
    maxBufferSize: 0,
    datadog: false,
    includeDataDogTags: false,
    includeDatadogTelemetry: o.clientTelemetry,
    telegraf: false,
    globalTags: [],
    errorHandler,
  };
  switch (o.protocol) {
    case 'udp':
      return { ...common, protocol: 'udp', host: o.host, port: o.port, cacheDns: true };
    case 'tcp':
      return { ...common, protocol: 'tcp', host: o.host, port: o.port, ...NO_INTERNAL_RECONNECT };
    case 'uds':
      return { ...common, protocol: 'uds', path: o.socketPath, ...NO_INTERNAL_RECONNECT };
  }
}

/**
 * @example
 * const transport = new HotShotsTransport(config.transport);
 * const result = await transport.sendAll(['a:1|c\nb:2|g'], ctx.signal);
 */
export class HotShotsTransport {
  private client: Client | undefined;
  private lastSocketError: Error | undefined;

  constructor(
    private readonly o: TransportOptions,
    private readonly factory: ClientFactory = (options) => new StatsD(options),
  ) {}

  /** Sends every datagram and resolves when each send has completed (see the file comment), failed, or timed out. */
  sendAll(datagrams: readonly string[], signal: AbortSignal): Promise<SendResult> {
    if (datagrams.length === 0) return Promise.resolve({ status: 'success' });
    if (signal.aborted) return Promise.resolve({ status: 'retryable', error: new Error('deadline reached before sending to StatsD') });
    const client = this.current();
    return new Promise<SendResult>((resolve) => {
      let pending = datagrams.length;
      let firstError: Error | undefined;
      let settled = false;
      const finish = (r: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (r.status !== 'success') this.discard(client);
        resolve(r);
      };
      const onAbort = () => finish({ status: 'retryable', error: new Error(`deadline reached with ${pending} of ${datagrams.length} StatsD sends incomplete`) });
      const timer = setTimeout(
        () => finish({ status: 'retryable', error: new Error(`${pending} of ${datagrams.length} StatsD sends incomplete after ${this.o.timeoutMs} ms (STATSD_TIMEOUT_MS)`) }),
        this.o.timeoutMs,
      );
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (err?: Error | null) => {
        if (err && !firstError) firstError = err;
        if (--pending > 0) return;
        if (firstError) return finish(this.resultOf(firstError));
        client.flush(() => finish({ status: 'success' }));
      };
      const tcp = this.o.protocol === 'tcp';
      for (const d of datagrams) {
        try {
          client.sendMessage(tcp ? d.replace(NON_ASCII, '_') : d, done);
        } catch (err) {
          done(err as Error);
        }
      }
    });
  }

  /**
   * Drops the client's socket at once, without flushing: what a Lambda freeze does to anything
   * still queued. Tests use it to prove that nothing was.
   */
  abandon(): void {
    const client = this.client;
    this.client = undefined;
    if (client) closeSocketOnce(client, this.o.clientTelemetry);
  }

  /**
   * Graceful close (local runs and tests): flushes, waits for in-flight sends, closes the socket.
   * Bounded: hot-shots never calls back when the server had already closed a TCP connection.
   */
  close(timeoutMs = 1_000): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      client.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private current(): Client {
    if (this.client) return this.client;
    const client = this.factory(clientOptions(this.o, (err) => (this.lastSocketError = err))) as unknown as Client;
    if (typeof client.sendMessage !== 'function') {
      throw new TypeError('this hot-shots version has no sendMessage(); emf-fanout is tested with hot-shots 17.x');
    }
    this.lastSocketError = undefined;
    this.client = client;
    return client;
  }

  /** Drops a failed client; deferred so it never runs inside a send callback (see `NO_INTERNAL_RECONNECT`). */
  private discard(client: Client): void {
    if (this.client === client) this.client = undefined;
    setImmediate(() => closeSocketOnce(client, this.o.clientTelemetry));
  }

  private resultOf(err: Error): SendResult {
    const cause = this.lastSocketError && this.lastSocketError.message !== err.message ? ` (socket: ${this.lastSocketError.message})` : '';
    const error = new Error(`StatsD ${this.o.protocol} send to ${this.target()} failed: ${err.message}${cause}`, { cause: err });
    if ((err as NodeJS.ErrnoException).code === 'EMSGSIZE') return { status: 'failure', error, reason: DATAGRAM_TOO_LARGE_REASON };
    return { status: 'retryable', error };
  }

  private target(): string {
    return this.o.protocol === 'uds' ? this.o.socketPath : `${this.o.host}:${this.o.port}`;
  }
}

/**
 * Closes the client's socket at once, without flushing (pending TCP writes fail now instead of
 * going out later), exactly once: the socket is detached first, so hot-shots' `close()` does
 * not close it again (`unix-dgram` aborts the process on a double close). `close()` is still
 * needed with telemetry on, to stop its interval.
 */
function closeSocketOnce(client: Client, telemetry: boolean): void {
  const socket = client.socket;
  client.socket = null;
  try {
    socket?.close();
  } catch {
    // already closed
  }
  if (telemetry) {
    try {
      client.close(() => undefined);
    } catch {
      // nothing left to close
    }
  }
}
