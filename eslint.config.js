// ESLint for the whole workspace: typescript-eslint with the type-aware rules that find real bugs (unawaited
// promises, promises passed where a callback's result is ignored), and the dependency direction the README states,
// checked by eslint-plugin-boundaries. Nx's own @nx/enforce-module-boundaries would read the same project tags, but
// its registry release stops at 23.2.1 while the workspace runs nx 23.3.1, and a mismatched @nx/* pulls in a second
// copy of @nx/devkit and @nx/js; the boundaries plugin needs no Nx version and also checks relative imports that
// cross a package's folder.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { boundaryElements, boundaryFiles, boundaryPolicies, ioModules } from './tools/lint/boundaries.js';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.nx/**',
      'coverage/**',
      '.vitest-results/**',
      '.conformance-results/**',
      'tmp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        // The program `tsc -p tsconfig.json` builds (every package, app, test and tool).
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A dropped promise is an unhandled rejection that kills the process (Node's default) or a lost error.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async function where a void callback is expected: its rejection is never seen (event handlers, forEach).
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Plain JavaScript (agents, bench, CI scripts) and the build/test config files outside tsconfig.json's include:
    // no type information, so the typed rules are off.
    files: ['**/*.js', '**/*.mjs', '*.ts', '{apps,packages}/*/*.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    plugins: { boundaries },
    settings: {
      'boundaries/elements': boundaryElements,
      'boundaries/files': boundaryFiles,
      'boundaries/files-single-match': true,
      'import/resolver': {
        // Resolves `@kube-vip-gw/*` through the same `@kube-vip-gw/source` condition tsc uses, to the sibling's
        // src/, so an import is classified by the folder it lands in.
        typescript: { project: './tsconfig.json', conditionNames: ['@kube-vip-gw/source', 'types', 'import', 'node'] },
      },
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'allow', checkAllOrigins: true, policies: boundaryPolicies }],
    },
  },
  {
    // The pure packages' sources never touch the network, the file system, processes or the clock (README). Their
    // tests may (fixtures on disk, node:net as an oracle).
    files: ['packages/{kube-core,ipam,gateway-model,service-mapper}/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({ name, message: 'pure packages do no I/O (README: Dependencies)' })),
        },
      ],
    },
  },
);
