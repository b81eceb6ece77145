// Layering rules, checked by `npm run deps` (part of `npm test`). See docs/development.md.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-test-outside-test',
      severity: 'error',
      comment: 'Only test/ imports from test/: the functions, shared code, infra and local pipeline never depend on the tests.',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'shared-stands-alone',
      severity: 'error',
      comment: 'shared/ is what the functions share: it imports nothing from functions/, infra/, local/ or test/.',
      from: { path: '^shared/' },
      to: { path: '^(functions|infra|local|test)/' },
    },
    {
      name: 'functions-are-deployed-alone',
      severity: 'error',
      comment:
        'A Lambda function bundles functions/ and shared/ only: never the CLI and deploy code (infra/) or the local pipeline (local/).',
      from: { path: '^functions/' },
      to: { path: '^(infra|local)/' },
    },
    {
      name: 'infra-is-not-local',
      severity: 'error',
      comment: 'The deploy and subscribe tooling does not depend on the local pipeline.',
      from: { path: '^infra/' },
      to: { path: '^local/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.cache|\\.fixtures)/' },
    // Resolve as tsc does (moduleResolution Bundler, `.ts` specifiers), and keep type-only imports in the graph.
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
