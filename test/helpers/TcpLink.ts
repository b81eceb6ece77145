/**
 * A TCP link between a client and a real server on 127.0.0.1 (kinesalite, the statsd daemon), that a
 * fault test can cut: a small proxy on a free port that pipes every connection to the server, and can
 * reset the open connections (the client gets an RST, as from a crashed peer or a middlebox) and refuse
 * new ones (nothing listening on the port) until it is opened again. The server itself keeps running with everything
 * it holds, so the test can count what it received.
 *
 * @example
 * const link = await startTcpLink(daemon.tcpPort);
 * // the client connects to link.port
 * await link.cut();    // open connections reset, new ones refused
 * await link.restore();
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpLink {
  /** The port clients connect to. */
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /**
   * Resets every open connection: the client gets an RST (as from a crashed peer or a middlebox), the server
   * an orderly close (an RST would crash the npm statsd daemon, whose TCP server has no error handler).
   * New connections are still accepted.
   */
  reset(): void;
  /** Resets every open connection and stops listening: connecting is refused until `restore`. */
  cut(): Promise<void>;
  /** Listens again on the same port (nothing when listening). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpLink(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpLink> {
  /** Client-side socket → its connection to the server. */
  const open = new Map<Socket, Socket>();
  let connections = 0;
  let server: Server | undefined;
  let port = 0;

  const onConnection = (client: Socket) => {
    connections++;
    const upstream = connect(targetPort, targetHost);
    open.set(client, upstream);
    const forget = () => void open.delete(client);
    client.on('data', (b: Buffer) => upstream.write(b));
    upstream.on('data', (b: Buffer) => client.write(b));
    // One side closed or failed: the other side gets the same.
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', forget);
    upstream.on('close', forget);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server !== undefined) return resolve();
      const s = createServer(onConnection);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (s === undefined) return resolve();
      s.close(() => resolve());
    });
  const reset = () => {
    for (const [client, upstream] of [...open]) {
      client.resetAndDestroy();
      upstream.end();
    }
    open.clear();
  };

  await listen();
  return {
    get port() {
      return port;
    },
    get connections() {
      return connections;
    },
    reset,
    async cut() {
      reset();
      await stopListening();
    },
    restore: listen,
    async close() {
      reset();
      await stopListening();
    },
  };
}
