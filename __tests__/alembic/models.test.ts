import { afterAll, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelsReport } from '../../src/report/contract/models.js';
import { runCheck } from '../../src/modes/check.js';
import { buildBundle, runCli } from '../helpers/bundle.js';
import { PROJECT_ROOT, PYTHON } from './fixture.js';
import { onSharedServer } from '../helpers/shared-server.js';

const SAMPLE = join(PROJECT_ROOT, 'examples', 'fastapi-alembic');
const dirs: string[] = [];
let bundle: string | undefined;

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (bundle) rmSync(bundle, { recursive: true, force: true });
});

/** A copy of the sample whose Post model declares a column no revision creates. */
function driftedSample(): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-alembic-models-'));
  dirs.push(dir);
  cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  const models = join(dir, 'app', 'models.py');
  const text = readFileSync(models, 'utf8');
  const anchor = '    owner = relationship("User")';
  expect(text).toContain(anchor);
  writeFileSync(models, text.replace(anchor, `    rating = Column(Integer, nullable=True)\n\n${anchor}`));
  return dir;
}

test('schemabot models --cwd examples/fastapi-alembic: target_metadata matches the revisions (exit 0); a model column no revision creates is model-drift (exit 1)', () => {
  bundle = buildBundle();
  const clean = join(bundle, 'clean.json');
  const ok = runCli(
    bundle,
    [
      'models',
      '--cwd',
      'examples/fastapi-alembic',
      '--python',
      PYTHON,
      '--postgres',
      'local',
      '--json',
      clean,
    ],
    { cwd: PROJECT_ROOT },
  );
  expect(ok.stderr).not.toMatch(/unexpected error/i);
  expect(ok.code).toBe(0);
  const report = JSON.parse(readFileSync(clean, 'utf8')) as ModelsReport;
  expect(report).toMatchObject({
    ok: true,
    models: { source: 'alembic/env.py', tables: 3 },
    migrations: { applied: 8, failed: null },
    changes: [],
    findings: [],
  });

  const drifted = join(bundle, 'drift.json');
  const bad = runCli(
    bundle,
    ['models', '--cwd', driftedSample(), '--python', PYTHON, '--postgres', 'local', '--json', drifted],
    { cwd: PROJECT_ROOT },
  );
  expect(bad.stderr).not.toMatch(/unexpected error/i);
  expect(bad.code).toBe(1);
  const drift = JSON.parse(readFileSync(drifted, 'utf8')) as ModelsReport;
  expect(drift.ok).toBe(false);
  expect(drift.changes).toEqual([
    {
      kind: 'column',
      action: 'added',
      name: 'public.posts.rating',
      before: null,
      after: { type: 'INTEGER', nullable: true },
    },
  ]);
  expect(drift.findings).toEqual([
    expect.objectContaining({
      rule: 'model-drift',
      severity: 'error',
      message: expect.stringMatching(
        /^the models declare column public\.posts\.rating.*which the migrations do not create\.$/,
      ),
    }),
  ]);
  expect(bad.stdout).toContain('public.posts.rating');
});

test('check shows the Alembic models comparison in its models section, as a warning', async () => {
  const report = await runCheck({ cwd: driftedSample(), ...(await onSharedServer()), python: PYTHON });
  expect(report.models).toMatchObject({
    source: 'alembic/env.py',
    tables: 3,
    changes: [expect.objectContaining({ action: 'added', name: 'public.posts.rating' })],
  });
  const drift = report.findings.filter((f) => f.rule === 'model-drift');
  expect(drift).toEqual([expect.objectContaining({ severity: 'warning' })]);
  expect(report.ok).toBe(true);
});
