/**
 * The fake `fetch` behind `npm start -- --show datadog`: it inflates and parses each body as the intake
 * would, answers 202, and prints each request as `POST <url>` and its JSON body; the provider it serves
 * reads every `DD_*` setting and never fetches the API key.
 */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createDatadogPreviewProvider, DatadogPreview } from '../../../local/datadogPreview.ts';
import { ConfigError } from '../../../shared/errors.ts';

const post = (preview: DatadogPreview, url: string, body: unknown) =>
  preview.fetch(url, { method: 'POST', headers: { 'content-encoding': 'deflate' }, body: deflateSync(JSON.stringify(body)) });

describe('DatadogPreview', () => {
  it('answers 202, keeps each request in order and prints it as POST <url> and its body indented by two spaces', async () => {
    // Prepare
    const preview = new DatadogPreview();
    preview.mode = 'series';
    preview.baseUrl = 'https://api.datadoghq.eu';

    // Act
    const r1 = await post(preview, 'https://api.datadoghq.eu/api/v2/series', { series: [{ metric: 'a.b', type: 1, points: [{ timestamp: 10, value: 2 }], tags: ['k:v'] }] });
    const r2 = await post(preview, 'https://api.datadoghq.eu/api/v1/distribution_points', { series: [{ metric: 'c', points: [[10, [1.5]]] }] });

    // Assess
    expect([r1.status, r2.status]).toEqual([202, 202]);
    expect(preview.requests.map((q) => q.path)).toEqual(['/api/v2/series', '/api/v1/distribution_points']);
    expect(preview.render()).toBe([
      '# datadog preview (DD_MODE=series): 2 requests, not sent to https://api.datadoghq.eu; every request in the order sent, its JSON body before compression:',
      'POST https://api.datadoghq.eu/api/v2/series',
      '{',
      '  "series": [',
      '    {',
      '      "metric": "a.b",',
      '      "type": 1,',
      '      "points": [',
      '        {',
      '          "timestamp": 10,',
      '          "value": 2',
      '        }',
      '      ],',
      '      "tags": [',
      '        "k:v"',
      '      ]',
      '    }',
      '  ]',
      '}',
      'POST https://api.datadoghq.eu/api/v1/distribution_points',
      '{',
      '  "series": [',
      '    {',
      '      "metric": "c",',
      '      "points": [',
      '        [',
      '          10,',
      '          [',
      '            1.5',
      '          ]',
      '        ]',
      '      ]',
      '    }',
      '  ]',
      '}',
      '',
    ].join('\n'));
  });

  it('answers 400 to a body that is not bytes, not deflated or not JSON, and keeps nothing of it', async () => {
    const preview = new DatadogPreview();
    const url = 'https://api.datadoghq.com/api/v2/series';
    const statuses = [
      (await preview.fetch(url, { method: 'POST', body: '{"series":[]}' })).status,
      (await preview.fetch(url, { method: 'POST', body: Buffer.from('{"series":[]}') })).status,
      (await preview.fetch(url, { method: 'POST', body: deflateSync('{"series":') })).status,
    ];
    expect(statuses).toEqual([400, 400, 400]);
    expect(preview.requests).toEqual([]);
    expect(preview.render()).toBe('# datadog preview (DD_MODE=?): 0 requests, not sent to ?; every request in the order sent, its JSON body before compression:\n');
  });
});

describe('createDatadogPreviewProvider', () => {
  it('reads every DD_* setting: the mode and the URL named (DD_URL or DD_SITE), never contacted; DD_API_KEY_REF may be unset', async () => {
    const a = new DatadogPreview();
    const provider = await createDatadogPreviewProvider({}, a);
    expect({ name: provider.name, mode: a.mode, baseUrl: a.baseUrl }).toEqual({ name: 'datadog', mode: 'distributions', baseUrl: 'https://api.datadoghq.com' });

    const b = new DatadogPreview();
    await createDatadogPreviewProvider({ DD_URL: 'http://127.0.0.1:9/', DD_MODE: 'series' }, b);
    expect({ mode: b.mode, baseUrl: b.baseUrl }).toEqual({ mode: 'series', baseUrl: 'http://127.0.0.1:9' });

    const c = new DatadogPreview();
    await createDatadogPreviewProvider({ DD_SITE: 'eu' }, c);
    expect(c.baseUrl).toBe('https://api.datadoghq.eu');
  });

  it('does not fetch the API key of a DD_API_KEY_REF, but refuses one that is not a reference, and any bad setting, as without the preview', async () => {
    // A reference to Secrets Manager in a region-less, credential-less test: fetching it would throw.
    await expect(createDatadogPreviewProvider({ DD_API_KEY_REF: 'secretsmanager:emf-fanout/none#key' }, new DatadogPreview())).resolves.toBeDefined();
    await expect(createDatadogPreviewProvider({ DD_API_KEY_REF: 'abc123' }, new DatadogPreview())).rejects.toThrow(ConfigError);
    await expect(createDatadogPreviewProvider({ DD_API_KEY_REF: 'abc123' }, new DatadogPreview())).rejects.toThrow(/DD_API_KEY_REF/);
    await expect(createDatadogPreviewProvider({ DD_SITE: 'mars' }, new DatadogPreview())).rejects.toThrow(/DD_SITE/);
    await expect(createDatadogPreviewProvider({ DD_URL: 'http://x.test', DD_SITE: 'eu' }, new DatadogPreview())).rejects.toThrow(/DD_URL/);
  });
});
