// Unused files, exports and dependencies, checked by `npm run knip` (part of `npm test`). See docs/development.md.
// Besides the entries below, knip finds on its own: the files package.json's scripts run (npm start, subscribe,
// fixtures, sample, bench, bench:instructions); the test files (its vitest plugin reads vitest.config.ts, so an
// export a test imports as a seam counts as used); eslint.config.js and .dependency-cruiser.cjs (their plugins).
import type { KnipConfig } from 'knip';

const config: KnipConfig = {
  entry: [
    // The Lambda handlers serverless.yml deploys. infra/serverless/generate.ts names them in strings
    // (`functions/…/handler.handler`), which knip cannot follow.
    'functions/*/handler.ts',
    'functions/consumers/*/handler.ts',
    // Each consumer's registration: infra/serverless/registry.ts imports every functions/consumers/*/consumer.ts it finds.
    'functions/consumers/*/consumer.ts',
    // serverless.yml loads generate.cjs with `${file(…)}`; it loads generate.ts through tsx at run time.
    'infra/serverless/generate.{cjs,ts}',
    // Spawned by path: the bench stages (test/bench/run.ts, instructions.ts), the real EMF producers and the
    // Lambda runtime shim (test/fixtures/), the bundle runner for Node 22 (test/integration/infra/package.build.test.ts).
    'test/bench/{stage,rss,count}.ts',
    'test/fixtures/producers/*.mjs',
    'test/fixtures/lambda/runtime-shim.mjs',
    'test/integration/infra/runBundle.mjs',
    // Public API for users' own providers (README, "Adding a provider"): the contract test kit, and the Provider
    // interface with its helpers. Their exports are for users' code, so knip does not ask who imports them here.
    'shared/consumer/testing/*.ts',
    'shared/consumer/{types,metricKind,http,createConsumerHandler}.ts',
  ],
  ignoreDependencies: [
    // The real StatsD daemon the tests start by path: test/helpers/statsdDaemon.ts finds it with
    // createRequire(…).resolve('statsd/package.json'), which knip does not follow.
    'statsd',
  ],
  ignoreBinaries: [
    // A system tool (Debian's valgrind), optional, for `npm run bench:instructions`; not an npm package.
    'valgrind',
  ],
};

export default config;
