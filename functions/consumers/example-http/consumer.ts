/**
 * Registers the example HTTP consumer with `npm run package` (infra/serverless/registry.ts finds
 * this file): deployed where config/params.yml sets `exampleHttpEnabled: true`, with
 * `exampleHttpEnvironment` as its environment.
 */
import type { Env } from '../../../shared/config/env.ts';
import { loadConfig } from './config.ts';

export const consumer = {
  description: 'emf-fanout consumer: example HTTP provider',
  /** What the handler checks at cold start, run by `npm run package` on the environment it is about to deploy. */
  validate: (env: Env): void => {
    loadConfig(env);
  },
  /** How it takes credentials, for the plain-secret checks of `npm run package`. */
  secrets: {
    prefixes: ['EXAMPLE_HTTP_'],
    refVariables: ['EXAMPLE_HTTP_AUTHORIZATION_REF'],
    urlCredentials: { EXAMPLE_HTTP_URL: 'give the Authorization header value by reference in EXAMPLE_HTTP_AUTHORIZATION_REF' },
  },
};
