import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPORT_SCHEMA, SCHEMA_VERSION } from '../../src/report/contract/schema.js';
import { validateReport } from '../../src/report/validate.js';
import { PROJECT_ROOT } from '../helpers/repo.js';

const read = (path: string) =>
  JSON.parse(readFileSync(join(PROJECT_ROOT, path), 'utf8')) as Record<string, unknown>;

test('docs/report.schema.json is the schema the code validates with (npm run schema writes it)', () => {
  expect(read('docs/report.schema.json')).toEqual(JSON.parse(JSON.stringify(REPORT_SCHEMA)));
  expect(REPORT_SCHEMA.$id).toMatch(new RegExp(`/v${SCHEMA_VERSION}\\.json$`));
});

test('the golden report (real runs on PostgreSQL) follows the schema; a changed field is named', () => {
  const golden = read('__tests__/fixtures/golden/report.json');
  expect(validateReport(golden).problem).toBe('');
  const extra = structuredClone(golden) as { migrations: Record<string, unknown>[] };
  extra.migrations[1]!.surprise = true;
  expect(validateReport(extra).problem).toBe('report.migrations[1] must NOT have additional properties.');
  const wrong = structuredClone(golden) as { summary: Record<string, unknown> };
  wrong.summary.errors = -1;
  expect(validateReport(wrong).problem).toBe('report.summary.errors must be an integer ≥ 0.');
  expect(validateReport({ ...golden, mode: 'upgrade' }).problem).toMatch(/^report(\.\w+)? /);
  expect(validateReport({ schemaVersion: 2, mode: 'check' }).problem).toBe(
    'report.schemaVersion must be 1 (written by a different Schemabot version?).',
  );
});
