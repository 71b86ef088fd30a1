// Jest globalSetup: builds the bundle once per run, as `npm run build` does, into a folder with no
// node_modules above it. Tests copy it (`buildBundle()` in __tests__/helpers/bundle.ts) instead of
// building their own; the folder goes when Jest exits.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function buildSharedBundle(config) {
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-bundle-shared-'));
  execFileSync(
    process.execPath,
    [join(config.rootDir, 'scripts', 'build.mjs'), '--outdir', join(dir, 'dist')],
    {
      cwd: config.rootDir,
      stdio: 'pipe',
    },
  );
  // Test workers start after this and inherit the variable.
  process.env.SCHEMABOT_TEST_BUNDLE = dir;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}
