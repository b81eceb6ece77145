/**
 * Registers the Datadog HTTP API consumer with `npm run package` (infra/serverless/registry.ts finds
 * this file): deployed where config/params.yml sets `datadogEnabled: true`, with `datadogEnvironment` as
 * its environment. Its role may read exactly the secret `DD_API_KEY_REF` names.
 */
import type { Env } from '../../../shared/config/env.ts';
import { loadDatadogConfig } from './config.ts';

export const consumer = {
  description: 'emf-fanout consumer: Datadog HTTP API',
  /** What the handler checks at cold start, run by `npm run package` on the environment it is about to deploy. */
  validate: (env: Env): void => {
    loadDatadogConfig(env);
  },
  /** How it takes credentials, for the plain-secret checks of `npm run package`. */
  secrets: {
    prefixes: ['DD_'],
    refVariables: ['DD_API_KEY_REF'],
    urlCredentials: { DD_URL: 'give the API key by reference in DD_API_KEY_REF' },
  },
};
