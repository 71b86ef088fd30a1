/**
 * The lint rule that keeps the pipeline's stage order (eslint.config.js, DESIGN.md): a backward import
 * fails `npm run lint` (which CI runs on the whole tree), a forward one passes.
 */
import { expect, test } from '@jest/globals';
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../helpers/repo.js';

const eslint = new ESLint({ cwd: PROJECT_ROOT });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(PROJECT_ROOT, file) });
  return result!.messages
    .filter(
      (m) => m.ruleId === 'no-restricted-imports' || m.ruleId === '@typescript-eslint/no-restricted-imports',
    )
    .map((m) => m.message);
}

test.each([
  [
    'src/report/summary.ts',
    "import type { CheckOptions } from '../modes/check.js';\nexport type X = CheckOptions;\n",
  ],
  ['src/report/summary.ts', "export { publish } from '../github/index.js';\n"],
  ['src/modes/plan.ts', "import { UsageError } from '../cli/errors.js';\nexport const x = UsageError;\n"],
  [
    'src/modes/production/plan.ts',
    "import { UsageError } from '../../cli/errors.js';\nexport const x = UsageError;\n",
  ],
  [
    'src/main.ts',
    "import { isEnvironmentError } from './cli/errors.js';\nexport const x = isEnvironmentError;\n",
  ],
  ['src/diff/extra.ts', "import { runCheck } from '../modes/check.js';\nexport const x = runCheck;\n"],
  [
    'src/inspect/extra.ts',
    "import { readInputs } from '../action/inputs.js';\nexport const x = readInputs;\n",
  ],
  [
    'src/assess/extra.ts',
    "import { renderMarkdown } from '../report/markdown.js';\nexport const x = renderMarkdown;\n",
  ],
  [
    'src/migrate/extra.ts',
    "import { REPORT_LIMITS } from '../report/contract/schema.js';\nexport const x = REPORT_LIMITS;\n",
  ],
  [
    'src/report/contract/extra.ts',
    "import { diffSnapshots } from '../../diff/index.js';\nexport const x = diffSnapshots;\n",
  ],
  [
    'src/report/contract/extra.ts',
    "import type { UpgradeOptions } from '../../modes/upgrade.js';\nexport type X = UpgradeOptions;\n",
  ],
  [
    'src/migrate/production/extra.ts',
    "import { runUpgrade } from '../../modes/upgrade.js';\nexport const x = runUpgrade;\n",
  ],
  [
    'src/migrate/production/extra.ts',
    "import { rerunWith } from '../../report/production-wording.js';\nexport const x = rerunWith;\n",
  ],
])('a backward import fails the lint: %s, %j', async (file, code) => {
  const errors = await boundaryErrors(file, code);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain('The pipeline runs one way (DESIGN.md)');
});

test.each([
  [
    'src/report/summary.ts',
    "import type { CheckReport } from './contract/check.js';\nexport type X = CheckReport;\n",
  ],
  [
    'src/modes/plan.ts',
    "import { diffSnapshots } from '../diff/index.js';\nexport const x = diffSnapshots;\n",
  ],
  ['src/main.ts', "import { runCheck } from './modes/check.js';\nexport const x = runCheck;\n"],
  ['src/cli/extra.ts', "import { runCheck } from '../modes/check.js';\nexport const x = runCheck;\n"],
  // The report's contract: its types reach every stage, and it reads other stages' types only.
  [
    'src/migrate/extra.ts',
    "import type { MigrationState } from '../report/contract/production.js';\nexport type X = MigrationState;\n",
  ],
  [
    'src/report/contract/extra.ts',
    "import type { Change } from '../../diff/index.js';\nexport type X = Change[];\n",
  ],
  [
    'src/migrate/production/extra.ts',
    "import type { UpgradeReport } from '../../report/contract/production.js';\nexport type X = UpgradeReport;\n",
  ],
  [
    'src/github/extra.ts',
    "import { REPORT_LIMITS } from '../report/contract/schema.js';\nexport const x = REPORT_LIMITS;\n",
  ],
])('a forward import passes: %s, %j', async (file, code) => {
  expect(await boundaryErrors(file, code)).toEqual([]);
});

test('the worker imports nothing of Schemabot but the protocol', async () => {
  const file = 'src/migrate/worker/extra.ts';
  const errors = await boundaryErrors(
    file,
    "import { redact } from '../redact.js';\nexport const x = redact;\n",
  );
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain('it may import only ../protocol.js of Schemabot');
  expect(
    await boundaryErrors(
      file,
      "import { takeSnapshot } from '../../inspect/index.js';\nexport const x = takeSnapshot;\n",
    ),
  ).toHaveLength(1);
  expect(
    await boundaryErrors(
      file,
      "import type { WorkerRequest } from '../protocol.js';\nexport type X = WorkerRequest;\n",
    ),
  ).toEqual([]);
  expect(
    await boundaryErrors(file, "import { LocalRunner } from './runner.js';\nexport const x = LocalRunner;\n"),
  ).toEqual([]);
});
