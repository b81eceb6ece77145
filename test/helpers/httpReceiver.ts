/**
 * A real `node:http` server on 127.0.0.1 (free port) that records every request and answers
 * according to a script: the receiver side of HTTP providers' tests.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the server answers one request: a status (with headers/body), or `hang` (never answers). */
type HttpAnswer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** `performance.now()` when the request was fully read. */
  at: number;
  status: number | 'hang';
}

export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Bodies of requests answered 2xx, split into non-empty lines. */
  acceptedLines(): string[];
  /** Queue answers for the next requests; when empty, `fallback` answers (default 200). */
  script(...answers: HttpAnswer[]): void;
  setFallback(answer: HttpAnswer): void;
  clear(): void;
  close(): Promise<void>;
}

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const queue: HttpAnswer[] = [];
  let fallback: HttpAnswer = { status: 200 };
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = queue.shift() ?? fallback;
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now(),
        status: answer === 'hang' ? 'hang' : answer.status,
      });
      if (answer === 'hang') return; // keep the socket open, never answer
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ingest`,
    requests,
    acceptedLines: () =>
      requests
        .filter((r) => typeof r.status === 'number' && r.status >= 200 && r.status < 300)
        .flatMap((r) => r.body.split('\n').filter((l) => l !== '')),
    script: (...answers) => void queue.push(...answers),
    setFallback: (a) => void (fallback = a),
    clear: () => {
      requests.length = 0;
      queue.length = 0;
      fallback = { status: 200 };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
