/**
 * Registers the Prometheus remote-write consumer with `npm run package` (infra/serverless/registry.ts
 * finds this file): deployed where config/params.yml sets `prometheusEnabled: true`, with
 * `prometheusEnvironment` as its environment.
 */
import type { Env } from '../../../shared/config/env.ts';
import { loadPrometheusConfig } from './config.ts';

export const consumer = {
  description: 'emf-fanout consumer: Prometheus remote write',
  /** What the handler checks at cold start, run by `npm run package` on the environment it is about to deploy. */
  validate: (env: Env): void => {
    loadPrometheusConfig(env);
  },
  /** How it takes credentials, for the plain-secret checks of `npm run package`. */
  secrets: {
    prefixes: ['PROM_RW_'],
    refVariables: ['PROM_RW_BASIC_PASSWORD_REF', 'PROM_RW_BEARER_TOKEN_REF', 'PROM_RW_HEADERS_REF'],
    headerVariables: { PROM_RW_HEADERS: 'PROM_RW_HEADERS_REF' },
    urlCredentials: {
      PROM_RW_URL:
        'give credentials by reference: PROM_RW_AUTH=basic with PROM_RW_BASIC_USERNAME and PROM_RW_BASIC_PASSWORD_REF, PROM_RW_AUTH=bearer with PROM_RW_BEARER_TOKEN_REF, or headers in PROM_RW_HEADERS_REF',
    },
    authorization: 'PROM_RW_AUTH=bearer with PROM_RW_BEARER_TOKEN_REF, or PROM_RW_AUTH=basic with PROM_RW_BASIC_USERNAME and PROM_RW_BASIC_PASSWORD_REF',
  },
};
