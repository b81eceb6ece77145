/**
 * An independent AWS Signature Version 4 implementation for tests (node:crypto only, written from
 * the SigV4 documentation, not from the SDK): it checks the provider's signing, and lets a local
 * HTTP server verify signatures the way Amazon Managed Service for Prometheus does.
 */
import { createHash, createHmac } from 'node:crypto';

export interface SigV4Input {
  method: string;
  /** Already-normalised absolute path, e.g. `/workspaces/ws-1/api/v1/remote_write`. */
  path: string;
  /** Query parameters (decoded). */
  query: [string, string][];
  /** Header name (any case) → value, exactly as sent. */
  headers: Record<string, string>;
  /** Names of the headers to sign (lower-case). */
  signedHeaders: string[];
  body: Uint8Array | string;
  amzDate: string; // YYYYMMDD'T'HHMMSS'Z'
  region: string;
  service: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const sha256hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ percent-encoded, upper-case hex. */
function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function canonicalRequest(i: SigV4Input): string {
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.headers)) lower[k.toLowerCase()] = v;
  const signed = [...i.signedHeaders].sort();
  // Non-S3 services: each path segment is encoded twice (the path given is already encoded once).
  const path = uriEncode(i.path, true);
  const query = i.query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signed.map((h) => `${h}:${(lower[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [i.method, path, query, headers, signed.join(';'), sha256hex(i.body)].join('\n');
}

/** The `Authorization` header value for `i`. */
export function authorization(i: SigV4Input): string {
  const date = i.amzDate.slice(0, 8);
  const scope = `${date}/${i.region}/${i.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', i.amzDate, scope, sha256hex(canonicalRequest(i))].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${i.secretAccessKey}`, date), i.region), i.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${i.accessKeyId}/${scope}, SignedHeaders=${[...i.signedHeaders].sort().join(';')}, Signature=${signature}`;
}

/**
 * Verifies a received request's signature as a SigV4 service would. Returns an error message, or
 * undefined when valid. `headers` as Node's `IncomingMessage.headers` gives them.
 */
export function verifySigV4(req: {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  service: string;
}): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string') return 'no authorization header';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (m === null) return `malformed authorization header: ${auth}`;
  const [, keyId, , region, service, signedHeaders] = m;
  if (keyId !== req.credentials.accessKeyId) return `unknown access key ${keyId}`;
  if (region !== req.region || service !== req.service) return `wrong scope ${region}/${service}`;
  const amzDate = req.headers['x-amz-date'];
  if (typeof amzDate !== 'string') return 'no x-amz-date';
  const url = new URL(req.url, 'http://placeholder');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
  const expected = authorization({
    method: req.method,
    path: url.pathname,
    query: [...url.searchParams],
    headers,
    signedHeaders: signedHeaders!.split(';'),
    body: req.body,
    amzDate,
    region: req.region,
    service: req.service,
    ...req.credentials,
  });
  return expected === auth ? undefined : 'signature does not match';
}
