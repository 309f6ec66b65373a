import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import dbBoundary from './eslint/db-boundary.mjs';

/**
 * The database boundary (DESIGN.md, "Layout"): only these files use Prisma. Repositories return
 * module-owned types (`export type VariableRow = …` in the repository file), services import those.
 * The error filter maps Prisma's error classes to problem+json; prisma/ holds the seed script.
 */
const DATABASE_SIDE = [
  '**/*.repository.ts',
  'src/database/**',
  'src/common/errors/problem-details.filter.ts',
  'prisma/**',
];
/** Tests and their support set rows up and check them with the client directly: they are outside the layers. */
const TESTS = ['test/**', '**/*.spec.ts'];

const PRISMA_OUTSIDE_REPOSITORIES =
  'Only *.repository.ts and src/database/ use the Prisma client and its model types. Add a repository ' +
  'method that returns a module-owned type (export type XRow = … in the repository file) and import that. ' +
  'Generated enums (generated/prisma/enums) may be imported anywhere.';

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'src/generated/', 'coverage/', '.data/', '**/*.js', '**/*.mjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    ignores: [...DATABASE_SIDE, ...TESTS],
    plugins: { orgbase: dbBoundary },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/generated/prisma/*',
                '!**/generated/prisma/enums',
                '@prisma/client',
                '@prisma/client/*',
                '@prisma/adapter-*',
                '**/database/prisma.service',
              ],
              message: PRISMA_OUTSIDE_REPOSITORIES,
            },
          ],
        },
      ],
      'orgbase/no-db-client': 'error',
    },
  },
);
