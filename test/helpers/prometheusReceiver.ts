/**
 * A scripted remote-write receiver on 127.0.0.1 for failure tests: records every request
 * (headers, decoded WriteRequest, arrival time) and answers as the test says: a status with
 * optional headers and body, or `hang` (never answers).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeWriteRequest, type WriteRequest } from '../../functions/consumers/prometheus/writeRequest.ts';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Decoded body, or the decoding error's message. */
  request: WriteRequest | string;
  at: number;
  /** When the answer was written (undefined while hanging or delayed). */
  answeredAt?: number;
}

/** `delayMs`: answer that much later (a slow receiver). `forward`: pass the request to `forwardTo` and relay its answer. */
type Answer = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | 'hang' | 'forward';

export interface ScriptedReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Decides the answer to each request (`index` counts from 0). Default: 204. */
  answer: (req: ReceivedRequest, index: number) => Answer;
  close(): Promise<void>;
}

/** `forwardTo`: a real receiver's remote-write URL that `forward` answers relay to (a faulty proxy in front of it). */
export async function startScriptedReceiver(opts: { forwardTo?: string } = {}): Promise<ScriptedReceiver> {
  const requests: ReceivedRequest[] = [];
  const receiver: ScriptedReceiver = {
    url: '',
    requests,
    answer: () => ({ status: 204 }),
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let request: WriteRequest | string;
      try {
        request = decodeWriteRequest(body);
      } catch (err) {
        request = (err as Error).message;
      }
      const r: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, request, at: Date.now() };
      requests.push(r);
      const a = receiver.answer(r, requests.length - 1);
      if (a === 'hang') return;
      if (a === 'forward') {
        if (opts.forwardTo === undefined) throw new Error('forward answer without forwardTo');
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
        fetch(opts.forwardTo, { method: 'POST', headers, body: body })
          .then(async (up) => {
            const text = await up.text();
            r.answeredAt = Date.now();
            res.writeHead(up.status);
            res.end(text);
          })
          .catch((err: unknown) => {
            res.writeHead(502);
            res.end(String(err));
          });
        return;
      }
      const reply = () => {
        r.answeredAt = Date.now();
        res.writeHead(a.status, a.headers ?? {});
        res.end(a.body ?? '');
      };
      if (a.delayMs === undefined) reply();
      else setTimeout(reply, a.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** Series names (`__name__`) of a received request. */
export function seriesNames(r: ReceivedRequest): string[] {
  if (typeof r.request === 'string') return [];
  return r.request.timeseries.map((s) => s.labels.find((l) => l.name === '__name__')?.value ?? '');
}
