/**
 * `npm start -- --show statsd`: the real StatsD provider (`StatsdProvider`, configured by every
 * `STATSD_*` variable) sending through its real transport (a hot-shots client over UDP) to a
 * listener in this process on 127.0.0.1 instead of `STATSD_HOST`. The listener keeps every
 * datagram as it arrived; at the end of the run `render` prints their lines in the order sent:
 *
 *   # statsd preview (STATSD_STYLE=dogstatsd): 401 lines in 5 datagrams, not sent (no STATSD_HOST); every line in the order sent:
 *   emf_fanout_checkout.OrderValue:42.5|g|#LogGroup:checkout,ServiceName:checkout,ServiceType:AWS::Lambda::Function,Operation:Checkout
 *
 * What the settings shape stays as configured: style, prefix, tags, types, sample counts,
 * timestamps, the datagram size (`STATSD_MAX_DATAGRAM_BYTES`, whose default depends on
 * `STATSD_HOST` and `STATSD_PROTOCOL`) and client telemetry. Only the destination changes: UDP to
 * the listener, whatever `STATSD_PROTOCOL` says. The lines are the same over every protocol
 * (hot-shots writes a datagram as it is; TCP adds a newline after it), and UDP keeps their bytes:
 * hot-shots writes TCP as `ascii`, which would change a tag holding a non-ASCII letter.
 *
 * UDP has no flow control, and the transport hands a whole chunk to the socket at once: a burst
 * larger than the listener's receive buffer (208 KiB by default on Linux) would be dropped before
 * this process reads it. So the client this file makes hands its datagrams to the socket one at a
 * time, each after the previous one arrived. The order and bytes are the transport's own; only
 * the timing changes. A datagram that does not arrive within a second is counted in `lost`.
 */
import { createSocket, type Socket } from 'node:dgram';
import StatsD from 'hot-shots';
import type { Env } from '../shared/config/env.ts';
import type { StatsdConfig } from '../functions/consumers/statsd/config.ts';
import type { StatsdProviderDeps } from '../functions/consumers/statsd/StatsdProvider.ts';
import type { LocalProvider } from './pipeline.ts';

type ClientFactory = NonNullable<StatsdProviderDeps['clientFactory']>;
type SendCallback = (err?: Error | null, bytes?: number) => void;

/** hot-shots' send of one finished datagram (the method the transport calls; present in 17.x). */
interface Sender {
  sendMessage(message: string, callback?: SendCallback, isTelemetry?: boolean): void;
}

/** How long a datagram handed to the socket may take to reach the listener before it counts as lost. */
const ARRIVAL_TIMEOUT_MS = 1_000;

/** The variables that, set, make `npm start` send to a StatsD server (as in `providers.ts`). */
const TARGET_VARIABLES = ['STATSD_HOST', 'STATSD_PORT', 'STATSD_SOCKET_PATH'] as const;

/** What the listener received, and the settings the header names. */
export class StatsdPreview {
  /** Datagrams as received, in order. */
  readonly datagrams: string[] = [];
  /** Datagrams handed to the socket that never reached the listener (none expected: see the file comment). */
  lost = 0;
  /** `STATSD_STYLE` as configured; set when the provider is created. */
  style: StatsdConfig['serialise']['style'] | undefined;
  /** Where the lines would go (`udp 10.0.0.5:8125`, `uds /var/run/datadog/dsd.socket`), or undefined when no STATSD_HOST, STATSD_PORT or STATSD_SOCKET_PATH is set. */
  target: string | undefined;
  private socket: Socket | undefined;
  private closed: Promise<void> | undefined;
  /** Resolves the wait for the next datagram (true: it arrived). */
  private arrival: ((arrived: boolean) => void) | undefined;
  /** The paced sends, one after the other. */
  private queue: Promise<void> = Promise.resolve();

  /** Binds the listener on 127.0.0.1 and returns its port. */
  async listen(): Promise<number> {
    const socket = createSocket('udp4');
    socket.on('message', (msg) => {
      this.datagrams.push(msg.toString('utf8'));
      const arrival = this.arrival;
      this.arrival = undefined;
      arrival?.(true);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
    return socket.address().port;
  }

  /** Makes the real hot-shots client, whose sends are paced (see the file comment). */
  readonly clientFactory: ClientFactory = (options) => {
    const client = new StatsD(options);
    const sender = client as unknown as Sender;
    if (typeof sender.sendMessage !== 'function') throw new TypeError('this hot-shots version has no sendMessage(); emf-fanout is tested with hot-shots 17.x');
    const send = sender.sendMessage.bind(client);
    sender.sendMessage = (message, callback, isTelemetry) => {
      this.queue = this.queue.then(() => this.sendOne(send, message, callback, isTelemetry));
    };
    return client;
  };

  private sendOne(send: Sender['sendMessage'], message: string, callback: SendCallback | undefined, isTelemetry: boolean | undefined): Promise<void> {
    return new Promise<void>((next) => {
      // hot-shots sends nothing for an empty message; no datagram to wait for.
      if (message === '') {
        send(message, callback, isTelemetry);
        next();
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const arrived = new Promise<boolean>((resolve) => {
        this.arrival = resolve;
        timer = setTimeout(() => {
          if (this.arrival === resolve) this.arrival = undefined;
          resolve(false);
        }, ARRIVAL_TIMEOUT_MS);
      });
      send(message, (err, bytes) => {
        callback?.(err, bytes);
        if (err) {
          // Not sent (socket closed, datagram too large): nothing will arrive.
          clearTimeout(timer);
          this.arrival = undefined;
          next();
          return;
        }
        void arrived.then((ok) => {
          clearTimeout(timer);
          if (!ok) this.lost++;
          next();
        });
      }, isTelemetry);
    });
  }

  /** Waits for the sends still queued, then closes the listener (idempotent). */
  close(): Promise<void> {
    this.closed ??= this.queue.then(() => new Promise<void>((resolve) => (this.socket ? this.socket.close(() => resolve()) : resolve())));
    return this.closed;
  }

  /** Every line received, in order (datagrams split at `\n`). */
  get lines(): string[] {
    return this.datagrams.flatMap((d) => d.split('\n'));
  }

  /** The header line and every line received, in order. */
  render(): string {
    const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
    const lines = this.lines;
    const where = this.target === undefined ? 'not sent (no STATSD_HOST)' : `not sent to ${this.target}`;
    const lost = this.lost === 0 ? '' : `; ${plural(this.lost, 'datagram')} did not reach the listener, their lines are missing`;
    const header = `# statsd preview (STATSD_STYLE=${this.style ?? '?'}): ${plural(lines.length, 'line')} in ${plural(this.datagrams.length, 'datagram')}, ${where}${lost}; every line in the order sent:`;
    return [header, ...lines].join('\n') + '\n';
  }
}

/**
 * The real provider, configured by `env`'s `STATSD_*` variables, sending to `preview`'s listener.
 * Throws the provider's `ConfigError` on a bad setting, as without the preview (before listening).
 */
export async function createStatsdPreviewProvider(env: Env, preview: StatsdPreview): Promise<LocalProvider> {
  const { loadStatsdConfig } = await import('../functions/consumers/statsd/config.ts');
  const { StatsdProvider } = await import('../functions/consumers/statsd/StatsdProvider.ts');
  const loaded = loadStatsdConfig(env);
  const t = loaded.transport;
  preview.style = loaded.serialise.style;
  preview.target = TARGET_VARIABLES.some((k) => (env[k] ?? '').trim() !== '') ? (t.protocol === 'uds' ? `uds ${t.socketPath}` : `${t.protocol} ${t.host}:${t.port}`) : undefined;
  const port = await preview.listen();
  const config: StatsdConfig = { ...loaded, transport: { ...t, protocol: 'udp', host: '127.0.0.1', port } };
  const provider = new StatsdProvider(config, { clientFactory: preview.clientFactory });
  return {
    name: 'statsd',
    provider,
    close: async () => {
      await provider.close();
      await preview.close();
    },
  };
}
