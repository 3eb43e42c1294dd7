// Lint rules. The boundary rules are the point: `vscode` may only be imported from src/host,
// and src/core must not reach Node's I/O modules directly (it goes through its ports).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeIo = ['fs', 'fs/promises', 'child_process', 'net', 'http', 'https', 'os', 'dgram', 'cluster', 'worker_threads']
  .flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.vscode-test/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only src/host/ may import vscode.' }] }],
    },
  },
  {
    // The editor tests run inside the extension host, against the real vscode API.
    files: ['src/host/**/*.ts', 'test/vscode/suite/**/*.ts', 'bench/editor/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'Only src/host/ may import vscode.' },
          ...nodeIo.map((name) => ({ name, message: 'src/core does I/O only through its ports (src/core/ports.ts).' })),
          { name: 'ioredis', message: 'src/core does I/O only through its ports.' }],
      }],
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/protocol is shared with the webview: no vscode.' }, ...nodeIo.map((name) => ({ name, message: 'src/protocol: no Node APIs.' }))],
      }],
    },
  },
  {
    // Plain Node scripts: the demo runner, example workers, test and bench fixtures (CommonJS).
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
);
