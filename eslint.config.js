// Lint for correctness, not style: `npm run lint` (part of `npm test`). See docs/development.md.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Generated or downloaded: the fixtures, Node 22, deploy builds.
  { ignores: ['.cache/', '.fixtures/', '.serverless/', '.esbuild/', '.build/', 'coverage/'] },
  // The TypeScript sources. The few .mjs/.cjs files beside them are only parsed (no rules apply).
  {
    files: ['functions/**/*.ts', 'shared/**/*.ts', 'infra/**/*.ts', 'local/**/*.ts', 'test/**/*.ts', 'vitest.config.ts'],
    languageOptions: {
      parser: tseslint.parser,
      // Type-aware: the rules below read the types tsconfig.json gives.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
);
