/**
 * Which providers `npm start` runs, chosen by the same environment variables as the deployed
 * consumers (so a working local setup is a working deployment setting):
 *
 * | Provider | Enabled when | Configured by |
 * |---|---|---|
 * | console | always, unless `--no-console` | `--quiet` prints counts only |
 * | prometheus | `PROM_RW_URL` is set, or `--show prometheus` | every `PROM_RW_*` variable |
 * | statsd | `STATSD_HOST`, `STATSD_PORT` or `STATSD_SOCKET_PATH` is set, or `--show statsd` | every `STATSD_*` variable |
 * | datadog | `DD_API_KEY_REF` is set, or `--show datadog` | every `DD_*` variable |
 * | example-http | `EXAMPLE_HTTP_URL` is set | every `EXAMPLE_HTTP_*` variable |
 *
 * With `--show prometheus` the Prometheus provider writes to an in-process sink
 * (`prometheusPreview.ts`) instead of `PROM_RW_URL`, which may then be unset; with `--show statsd`
 * the StatsD provider sends to an in-process UDP listener (`statsdPreview.ts`) instead of
 * `STATSD_HOST`, which may then be unset; with `--show datadog` the Datadog provider posts to a `fetch`
 * in this process (`datadogPreview.ts`) instead of Datadog's API, and its API key is not fetched
 * (`DD_API_KEY_REF` may then be unset).
 *
 * Provider modules are imported only when enabled. A configuration error throws the provider's
 * `ConfigError`, naming the variable, before anything runs.
 */
import type { Env } from '../shared/config/env.ts';
import { ConsoleProvider } from './ConsoleProvider.ts';
import type { DatadogPreview } from './datadogPreview.ts';
import type { LocalProvider } from './pipeline.ts';
import type { PrometheusPreview } from './prometheusPreview.ts';
import type { StatsdPreview } from './statsdPreview.ts';

export interface ProviderChoice {
  console: boolean;
  quiet: boolean;
  /** Where the console provider prints. @default process.stdout */
  write?: (text: string) => void;
  /** `--show prometheus`: the Prometheus provider writes to this sink, never to a receiver. */
  prometheusPreview?: PrometheusPreview;
  /** `--show statsd`: the StatsD provider sends to this listener, never to a StatsD server. */
  statsdPreview?: StatsdPreview;
  /** `--show datadog`: the Datadog provider posts to this fake `fetch`, never to Datadog. */
  datadogPreview?: DatadogPreview;
}

const isSet = (env: Env, key: string) => (env[key] ?? '').trim() !== '';

/** The providers enabled by `env` and the command line. */
export async function createLocalProviders(env: Env, choice: ProviderChoice): Promise<LocalProvider[]> {
  const out: LocalProvider[] = [];
  if (choice.console) {
    out.push({ name: 'console', provider: new ConsoleProvider({ quiet: choice.quiet, ...(choice.write && { write: choice.write }) }) });
  }
  if (choice.prometheusPreview) {
    const { createPreviewProvider } = await import('./prometheusPreview.ts');
    out.push({ name: 'prometheus', provider: await createPreviewProvider(env, choice.prometheusPreview) });
  } else if (isSet(env, 'PROM_RW_URL')) {
    const { loadPrometheusConfig } = await import('../functions/consumers/prometheus/config.ts');
    const { createPrometheusProvider } = await import('../functions/consumers/prometheus/PrometheusProvider.ts');
    out.push({ name: 'prometheus', provider: await createPrometheusProvider(loadPrometheusConfig(env)) });
  }
  if (choice.statsdPreview) {
    const { createStatsdPreviewProvider } = await import('./statsdPreview.ts');
    out.push(await createStatsdPreviewProvider(env, choice.statsdPreview));
  } else if (isSet(env, 'STATSD_HOST') || isSet(env, 'STATSD_PORT') || isSet(env, 'STATSD_SOCKET_PATH')) {
    const { loadStatsdConfig } = await import('../functions/consumers/statsd/config.ts');
    const { StatsdProvider } = await import('../functions/consumers/statsd/StatsdProvider.ts');
    const provider = new StatsdProvider(loadStatsdConfig(env));
    out.push({ name: 'statsd', provider, close: () => provider.close() });
  }
  if (choice.datadogPreview) {
    const { createDatadogPreviewProvider } = await import('./datadogPreview.ts');
    out.push({ name: 'datadog', provider: await createDatadogPreviewProvider(env, choice.datadogPreview) });
  } else if (isSet(env, 'DD_API_KEY_REF')) {
    const { loadDatadogConfig } = await import('../functions/consumers/datadog/config.ts');
    const { createDatadogProvider } = await import('../functions/consumers/datadog/DatadogProvider.ts');
    out.push({ name: 'datadog', provider: await createDatadogProvider(loadDatadogConfig(env)) });
  }
  if (isSet(env, 'EXAMPLE_HTTP_URL')) {
    const { loadConfig } = await import('../functions/consumers/example-http/config.ts');
    const { JsonLinesHttpProvider } = await import('../functions/consumers/example-http/JsonLinesHttpProvider.ts');
    out.push({ name: 'example-http', provider: new JsonLinesHttpProvider(loadConfig(env)) });
  }
  return out;
}
