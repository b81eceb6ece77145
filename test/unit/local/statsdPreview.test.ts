/**
 * The listener behind `npm start -- --show statsd`: it keeps every datagram the real hot-shots
 * client sends, in order, even a burst far larger than a UDP receive buffer (the client it makes
 * hands datagrams to the socket one at a time), and prints their lines under a header that names
 * the settings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createStatsdPreviewProvider, StatsdPreview } from '../../../local/statsdPreview.ts';

const open: StatsdPreview[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function preview(): StatsdPreview {
  const p = new StatsdPreview();
  open.push(p);
  return p;
}

describe('StatsdPreview', () => {
  it('receives a burst of 3 MB sent at once through the real client, every datagram in order, none lost', async () => {
    // Prepare: the client as the transport makes it (unbuffered UDP to the listener).
    const p = preview();
    const port = await p.listen();
    const client = p.clientFactory({ protocol: 'udp', host: '127.0.0.1', port, maxBufferSize: 0, datadog: false, includeDataDogTags: false, globalTags: [] });
    const sender = client as unknown as { sendMessage(m: string, cb: (err?: Error | null) => void): void };
    // 400 datagrams of 8,000 bytes: 15 times Linux's default receive buffer of 208 KiB, all handed over in one go.
    const sent = Array.from({ length: 400 }, (_, i) => Array.from({ length: 100 }, (_, j) => `m${i}.n${j}:${String(j).padStart(65, '0')}|c`).join('\n'));
    expect(Buffer.byteLength(sent[0]!)).toBeGreaterThan(7_000);

    // Act
    const errors = await Promise.all(sent.map((d) => new Promise<Error | null | undefined>((resolve) => sender.sendMessage(d, resolve))));
    await p.close();
    await new Promise<void>((resolve) => client.close(() => resolve()));

    // Assess
    expect(errors.filter((e) => e)).toEqual([]);
    expect(p.lost).toBe(0);
    expect(p.datagrams).toEqual(sent);
    expect(p.lines).toHaveLength(40_000);
  });

  it('prints a header naming the style, the counts and where the lines would have gone, then every line', () => {
    const p = preview();
    p.style = 'dogstatsd';
    p.datagrams.push('a:1|c\nb:2|g|#k:v', 'c:3|ms');
    expect(p.render()).toBe([
      '# statsd preview (STATSD_STYLE=dogstatsd): 3 lines in 2 datagrams, not sent (no STATSD_HOST); every line in the order sent:',
      'a:1|c', 'b:2|g|#k:v', 'c:3|ms', '',
    ].join('\n'));

    p.target = 'udp 10.0.0.5:8125';
    p.lost = 1;
    expect(p.render().split('\n')[0]).toBe('# statsd preview (STATSD_STYLE=dogstatsd): 3 lines in 2 datagrams, not sent to udp 10.0.0.5:8125; 1 datagram did not reach the listener, their lines are missing; every line in the order sent:');
  });

  it('the provider reads every STATSD_* setting: the target named, never contacted; a bad setting throws before listening', async () => {
    const a = preview();
    await createStatsdPreviewProvider({ STATSD_STYLE: 'telegraf' }, a);
    expect({ style: a.style, target: a.target }).toEqual({ style: 'telegraf', target: undefined });

    const b = preview();
    await createStatsdPreviewProvider({ STATSD_PROTOCOL: 'uds', STATSD_SOCKET_PATH: '/tmp/nowhere/dsd.socket' }, b);
    expect(b.target).toBe('uds /tmp/nowhere/dsd.socket');

    const c = preview();
    await createStatsdPreviewProvider({ STATSD_HOST: 'statsd.example.com', STATSD_PROTOCOL: 'tcp', STATSD_PORT: '9125' }, c);
    expect(c.target).toBe('tcp statsd.example.com:9125');

    const d = preview();
    await expect(createStatsdPreviewProvider({ STATSD_STYLE: 'graphite' }, d)).rejects.toThrow(/STATSD_STYLE/);
    expect(d.datagrams).toEqual([]);
  });
});
