// ESLint on the whole tree (src, test, scripts, bench, seeds, migrations): the recommended
// rules of ESLint and typescript-eslint, zero warnings (npm run lint, run by npm test).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// SQL is spoken by repositories alone (*repository.ts / *Repository.ts) and the platform's
// database module: anywhere else in src/, building a query is an error. A service may still
// open a transaction (`db.transaction(async (trx) => …)`) and hand `trx` to repository functions.
// test/unit/queryRule.test.ts lints fixtures that break and keep this rule.
const KNEX_HANDLES = '/^(db|trx|tx|knex|owner)$/';
const KNEX_CHAIN =
  '/^(where|whereIn|whereNot|whereNotIn|whereNull|whereNotNull|whereRaw|whereExists|whereBetween|orWhere|andWhere|orderBy|orderByRaw|groupBy|having|havingRaw|leftJoin|innerJoin|rightJoin|joinRaw|onConflict|returning|increment|decrement|pluck|forUpdate|skipLocked|countDistinct|selectRaw)$/';
const QUERY_MESSAGE = 'SQL belongs in a repository (*repository.ts): move this query there and call the repository function.';
export const queryBuildingSelectors = [
  { selector: `CallExpression[callee.type='Identifier'][callee.name=${KNEX_HANDLES}]`, message: QUERY_MESSAGE },
  { selector: `CallExpression[callee.type='MemberExpression'][callee.property.name=${KNEX_HANDLES}]`, message: QUERY_MESSAGE },
  { selector: "CallExpression[callee.type='MemberExpression'][callee.property.name='raw']", message: QUERY_MESSAGE },
  { selector: "CallExpression[callee.property.name='now'][callee.object.property.name='fn']", message: QUERY_MESSAGE },
  { selector: `CallExpression[callee.type='MemberExpression'][callee.property.name=${KNEX_CHAIN}]`, message: QUERY_MESSAGE },
  { selector: `MemberExpression[object.type='MemberExpression'][object.property.name=${KNEX_HANDLES}][property.name='schema']`, message: QUERY_MESSAGE },
  { selector: `MemberExpression[object.type='Identifier'][object.name=${KNEX_HANDLES}][property.name='schema']`, message: QUERY_MESSAGE },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'public/**', 'src/bridge/public/**', '.data/**', 'data/**', 'test-results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a parameter or binding kept on purpose (an Express handler's arity, a rest omit).
      // A ternary as a statement (`c ? a() : b()`) is a choice between two calls, not an unused value.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
      // Chinese text puts the ideographic space (U+3000) in template literals on purpose.
      'no-irregular-whitespace': ['error', { skipStrings: true, skipTemplates: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: [
      'src/**/*repository.ts',
      'src/**/*Repository.ts',
      'src/platform/database.ts',
    ],
    rules: { 'no-restricted-syntax': ['error', ...queryBuildingSelectors] },
  },
);
