// Serverless Framework loads `${file(...)}` JavaScript as CommonJS; the generator itself is
// TypeScript (infra/serverless/generate.ts), loaded through tsx, a devDependency. Packaging
// and deploying always happen from a checkout with devDependencies installed.
const tsx = require('tsx/cjs/api');

const load = () => tsx.require('./generate.ts', __filename);

module.exports = {
  functions: (ctx) => load().generateFunctions(ctx),
  resources: (ctx) => load().generateResources(ctx),
};
