import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The stage order of the pipeline (DESIGN.md): inputs ─► plan ─► postgres ─► migrate ─► inspect ─► diff
 * ─► assess ─► report ─► publish. A stage never imports the front ends (`cli/`, `action/`) or the modes
 * that compose the stages; `report/` does not call GitHub; the action's entry (`src/main.ts`) shares
 * nothing with the CLI but through the modes.
 *
 * The report's contract (`src/report/contract/`: every report type and the report's JSON Schema) is the
 * one exception to the order: it holds types and the schema only, and every stage may import its types
 * (`import type`), even the stages left of `report/`, since the report is literally the data the stages
 * produce. It imports nothing of another stage but `import type` of plain data (a `Change`, a `Statement`).
 */
const folder = (names) => ({
  regex: `^(\\./|(\\.\\./)+)(${names.join('|')})(/|\\.js$)`,
  message: `The pipeline runs one way (DESIGN.md): this folder may not import ${names.map((n) => `${n}/`).join(', ')}. Move what both sides need to the stage that owns it, or pass it in as plain data.`,
});
const boundary = (names) => ({ 'no-restricted-imports': ['error', { patterns: [folder(names)] }] });
// A stage's subfolders follow its rule: `migrate/production/` is migrate, `report/contract/` is report (and
// has a rule of its own below).
const STAGES = ['plan', 'postgres', 'migrate', 'inspect', 'diff', 'assess', 'github', 'shared', 'generate'];
/** The stages the report's contract is on the right of: they may import its types, nothing else of `report/`. */
const LEFT_OF_REPORT = STAGES.filter((s) => s !== 'github');
const CONTRACT_ONLY =
  'The pipeline runs one way (DESIGN.md): a stage left of report/ may import only types from report/contract/ (`import type`), nothing else of report/.';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'migrations/', 'models/', 'config/', '.sequelizerc'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: STAGES.map((s) => `src/${s}/**/*.ts`), rules: boundary(['modes', 'cli', 'action']) },
  { files: ['src/report/**/*.ts'], rules: boundary(['modes', 'cli', 'action', 'github']) },
  { files: ['src/modes/**/*.ts'], rules: boundary(['cli', 'action']) },
  { files: ['src/main.ts', 'src/action/**/*.ts'], rules: boundary(['cli']) },
  // Left of `report/`: only the contract's types.
  {
    files: LEFT_OF_REPORT.map((s) => `src/${s}/**/*.ts`),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\./|(\\.\\./)+)report/(?!contract/)', message: CONTRACT_ONLY },
            { regex: '^(\\./|(\\.\\./)+)report/contract/', allowTypeImports: true, message: CONTRACT_ONLY },
          ],
        },
      ],
    },
  },
  // The contract itself: types and the schema, nothing that runs from another file.
  {
    files: ['src/report/contract/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./',
              allowTypeImports: true,
              message:
                'The pipeline runs one way (DESIGN.md): the report contract holds types and the JSON Schema only; import what it needs of other stages with `import type`, and put logic in the stage that owns it.',
            },
          ],
        },
      ],
    },
  },
  // The worker runs the project's code in its own process: it imports nothing of Schemabot's but the
  // protocol's types.
  {
    files: ['src/migrate/worker/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./(?!protocol\\.js$)|(\\.\\./){2,})',
              message:
                "The worker runs the project's code in a process of its own: it may import only ../protocol.js of Schemabot.",
            },
          ],
        },
      ],
    },
  },
);
