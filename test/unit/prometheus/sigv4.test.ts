import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../../functions/consumers/prometheus/auth.ts';
import { REMOTE_WRITE_HEADERS } from '../../../functions/consumers/prometheus/remoteWriteClient.ts';
import { authorization } from '../../helpers/prometheusSigv4.ts';

const EXAMPLE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('the reference SigV4 implementation used by the tests', () => {
  it('reproduces AWS\'s published "get-vanilla" example signature', () => {
    expect(
      authorization({
        method: 'GET',
        path: '/',
        query: [],
        headers: { Host: 'example.amazonaws.com', 'X-Amz-Date': '20150830T123600Z' },
        signedHeaders: ['host', 'x-amz-date'],
        body: '',
        amzDate: '20150830T123600Z',
        region: 'us-east-1',
        service: 'service',
        ...EXAMPLE,
      }),
    ).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });
});

describe('signRequest (remote write to AMP, service aps)', () => {
  const url = new URL('https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-12345678-abcd/api/v1/remote_write?tenant=a%20b&x=1');
  const body = Uint8Array.from([0x1e, 0x00, 0x0a, 0xff, 0x10, 0x80, 0x7f]);
  const date = new Date(Date.UTC(2026, 10, 23, 12, 34, 56));
  const credentials = { ...EXAMPLE, sessionToken: 'FQoGZXIvYXdzEXAMPLETOKEN' };
  const headers = { ...REMOTE_WRITE_HEADERS, 'x-scope-orgid': 'tenant-1' };

  it('signs method, path, query, every header sent and the exact body, as the SDK signer and the reference agree', async () => {
    const signer = new SignatureV4({ service: 'aps', region: 'eu-west-1', credentials, sha256: Sha256 });
    const out = await signRequest(signer, url, headers, body, date);

    expect(out['x-amz-date']).toBe('20261123T123456Z');
    expect(out['x-amz-security-token']).toBe(credentials.sessionToken);
    expect(out['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
    expect(out.host).toBeUndefined(); // the HTTP client sends Host from the URL

    const sent = { ...headers, ...out, host: url.host };
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(out.authorization!)![1]!.split(';');
    // Everything that identifies the request is covered by the signature (user-agent is unsignable by design).
    expect(signedHeaders).toEqual(
      expect.arrayContaining(['host', 'content-encoding', 'content-type', 'x-prometheus-remote-write-version', 'x-scope-orgid', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']),
    );
    expect(out.authorization).toBe(
      authorization({
        method: 'POST',
        path: url.pathname,
        query: [...url.searchParams],
        headers: sent,
        signedHeaders,
        body,
        amzDate: '20261123T123456Z',
        region: 'eu-west-1',
        service: 'aps',
        ...EXAMPLE,
      }),
    );
  });

  it('the signature changes with the body, the region and the service', async () => {
    const sign = async (region: string, service: string, b: Uint8Array) =>
      (await signRequest(new SignatureV4({ service, region, credentials, sha256: Sha256 }), url, headers, b, date)).authorization;
    const base = await sign('eu-west-1', 'aps', body);
    expect(await sign('eu-west-1', 'aps', Uint8Array.from([1]))).not.toBe(base);
    expect(await sign('us-east-1', 'aps', body)).not.toBe(base);
    expect(await sign('eu-west-1', 'execute-api', body)).not.toBe(base);
  });
});
