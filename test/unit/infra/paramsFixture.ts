/**
 * The params the infra tests start from (params.fixture.yml): the deployment-wide settings at their
 * shipped defaults and no consumer. Not config/params.yml: that file is the user's, and enabling a
 * consumer in it (or changing a default) must leave the tests as they are.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { mergeParams } from '../../../infra/subscribe/settings.ts';

export type ParamsDoc = Record<string, Record<string, unknown> | null>;

/** The fixture's path, for `EMF_FANOUT_PARAMS` (test/integration/infra packages with it). */
export const FIXTURE_PARAMS = fileURLToPath(new URL('./params.fixture.yml', import.meta.url));

/** The fixture as a document (`default:` and stage sections). */
export function fixtureDoc(): ParamsDoc {
  return parse(readFileSync(FIXTURE_PARAMS, 'utf8')) as ParamsDoc;
}

/** The fixture merged for a stage, as Serverless' `param:` source sees it. */
export function fixture(stage = 'dev'): Record<string, unknown> {
  return mergeParams(fixtureDoc(), stage, FIXTURE_PARAMS);
}
