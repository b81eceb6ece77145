// Serverless Framework loads `${file(...)}` JavaScript as CommonJS; the generator itself is
// TypeScript (infra/serverless/generate.ts), loaded as ES modules through tsx, a devDependency
// (its ESM loader, so that the generator can import each functions/consumers/*/consumer.ts it
// finds). Packaging and deploying always happen from a checkout with devDependencies installed.
let generator;
const load = () => (generator ??= import('tsx/esm/api').then(({ tsImport }) => tsImport('./generate.ts', __filename)));

module.exports = {
  functions: async (ctx) => (await load()).generateFunctions(ctx),
  resources: async (ctx) => (await load()).generateResources(ctx),
};
