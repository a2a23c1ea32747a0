// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'docs/api/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/parameter-properties': 'error',
      'no-restricted-syntax': ['error', 'ExportAllDeclaration'],
      'no-console': 'error',
    },
  },
  {
    // Both SDK lines ship @opentelemetry/sdk-trace with the same exports; these two exist only on 2.x.
    files: ['src/**', 'test/**', 'examples/demo/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@opentelemetry/sdk-trace-base', message: 'Not on the 3.x SDK line: import from @opentelemetry/sdk-trace.' },
            { name: '@opentelemetry/sdk-trace-node', message: 'Not on the 3.x SDK line: use TracerProvider from @opentelemetry/sdk-trace with AsyncLocalStorageContextManager from @opentelemetry/context-async-hooks.' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', 'examples/**', 'src/cli/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['eslint.config.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Plain JavaScript the benches start in child processes without a TypeScript loader.
    files: ['bench/**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: { '@typescript-eslint/explicit-module-boundary-types': 'off' },
  },
);
