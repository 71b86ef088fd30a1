// Jest globalSetup, once per run, before any test worker starts (they inherit the variables it sets):
// - builds the bundle as `npm run build` does, into a folder with no node_modules above it; tests use
//   it (`buildBundle()` in __tests__/helpers/bundle.ts) instead of building their own, and the modes a
//   test runs from source start its worker.js (SCHEMABOT_SOURCE_WORKER) instead of compiling the
//   worker's source under tsx for every worker;
// - names the folder where the node_modules of a plain JavaScript fixture project is made, once, on
//   first use (`javaScriptNodeModules()` in __tests__/helpers/repo.ts).
// Both folders go when Jest exits.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup(config) {
  const bundle = mkdtempSync(join(tmpdir(), 'schemabot-bundle-shared-'));
  const jsProject = mkdtempSync(join(tmpdir(), 'schemabot-js-project-'));
  process.on('exit', () => {
    rmSync(bundle, { recursive: true, force: true });
    rmSync(jsProject, { recursive: true, force: true });
  });
  execFileSync(
    process.execPath,
    [join(config.rootDir, 'scripts', 'build.mjs'), '--outdir', join(bundle, 'dist')],
    {
      cwd: config.rootDir,
      stdio: 'pipe',
    },
  );
  process.env.SCHEMABOT_TEST_BUNDLE = bundle;
  process.env.SCHEMABOT_SOURCE_WORKER = join(bundle, 'dist', 'worker.js');
  process.env.SCHEMABOT_TEST_JS_PROJECT = jsProject;
}
