import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

export default ts.config(
  { ignores: ['dist/', 'node_modules/', 'src/demo/public/mockServiceWorker.js', 'infra-policies/rendered/', 'coverage/', 'tmp/'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error', 'info'] }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['scripts/**', 'tests/**'],
    rules: { 'no-console': 'off' },
  },
  // Boundaries between the folders of src/ (README "Layout"). A folder is matched by the relative
  // import that reaches it from inside src/, e.g. '../app/format' or '../../mocks/node.ts'.
  {
    files: ['src/lib/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'svelte', message: 'src/lib is plain TypeScript, shared by the app and the widget: no Svelte.' }],
        patterns: [
          { group: ['svelte/*'], message: 'src/lib is plain TypeScript, shared by the app and the widget: no Svelte.' },
          { regex: '^(\\.\\./)+(app|widget|demo)(/|$)', message: 'src/lib is the shared core: the app, the widget and the demo import it, never the other way round.' },
          { regex: '^(\\.\\./)+mocks(/|$)', message: 'Only src/demo, tests and scripts import the AWS emulation (src/mocks).' },
        ],
      }],
    },
  },
  {
    files: ['src/widget/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@aws-sdk/*', '@smithy/*'], message: 'The widget stays on its light stack (aws4fetch, fetch-based Cognito): the AWS SDK alone is over its size budget.' },
          { regex: '^(\\.\\./)+(app|demo)(/|$)', message: 'The widget shares only src/lib with the app.' },
          { regex: '^(\\.\\./)+mocks(/|$)', message: 'Only src/demo, tests and scripts import the AWS emulation (src/mocks).' },
        ],
      }],
    },
  },
  {
    files: ['src/app/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(\\.\\./)+widget(/|$)', message: 'The app shares only src/lib with the widget.' },
          { regex: '^(\\.\\./)+mocks(/|$)', message: 'Only src/demo, tests and scripts import the AWS emulation (src/mocks); the app reaches it through src/demo.' },
        ],
      }],
    },
  },
);
