/**
 * Registers the StatsD / DogStatsD consumer with `npm run package` (infra/serverless/registry.ts
 * finds this file): deployed where config/params.yml sets `statsdEnabled: true`, with
 * `statsdEnvironment` as its environment.
 */
import type { Env } from '../../../shared/config/env.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { loadStatsdConfig } from './config.ts';

export const consumer = {
  description: 'emf-fanout consumer: StatsD / DogStatsD',
  /**
   * What the handler checks at cold start, run by `npm run package` on the environment it is about to
   * deploy; `bundleExcludes`: the modules the Lambda bundles leave out (infra/esbuild.yml).
   */
  validate: (env: Env, deploy: { bundleExcludes: readonly string[] }): void => {
    const config = loadStatsdConfig(env);
    // The handler's StatsdProvider loads unix-dgram for uds at cold start; the bundle leaves it out.
    if (config.transport.protocol === 'uds' && deploy.bundleExcludes.includes('unix-dgram')) {
      throw new ConfigError(
        'STATSD_PROTOCOL',
        `must be udp or tcp in Lambda, got "uds": the bundles leave out hot-shots' native dependency unix-dgram (exclude in infra/esbuild.yml), so the function cannot load it; the Datadog Lambda extension listens on UDP 127.0.0.1:8125`,
      );
    }
  },
  /** It reads no secret; its own variables are `STATSD_*`. */
  secrets: { prefixes: ['STATSD_'], refVariables: [] },
};
