import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The stage order of the pipeline (DESIGN.md): inputs ─► plan ─► postgres ─► migrate ─► inspect ─► diff
 * ─► assess ─► report ─► publish. A stage never imports the front ends (`cli/`, `action/`) or the modes
 * that compose the stages; `report/` does not call GitHub; the action's entry (`src/main.ts`) shares
 * nothing with the CLI but through the modes.
 */
const folder = (names) => ({
  regex: `^(\\./|(\\.\\./)+)(${names.join('|')})(/|\\.js$)`,
  message: `The pipeline runs one way (DESIGN.md): this folder may not import ${names.map((n) => `${n}/`).join(', ')}. Move what both sides need to the stage that owns it, or pass it in as plain data.`,
});
const boundary = (names) => ({ 'no-restricted-imports': ['error', { patterns: [folder(names)] }] });
const STAGES = ['plan', 'postgres', 'migrate', 'inspect', 'diff', 'assess', 'github', 'shared', 'generate'];

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
  // Imports that break the order today; each goes when its file's types or errors move to their stage.
  {
    files: ['src/report/models.ts', 'src/report/production.ts'],
    rules: boundary(['cli', 'action', 'github']),
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
