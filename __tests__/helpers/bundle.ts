import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { recordFile, recordOutput } from './outputs.js';
import { PROJECT_ROOT } from './repo.js';
import { expectValidReportFile } from './report-schema.js';

/**
 * A bundle folder of this test's own (it may add files beside `dist/` or remove it) in a fresh folder
 * with no node_modules anywhere above it, the way GitHub runs an action's `dist/`. The bundle is built
 * once per Jest run (`__tests__/setup/global.mjs`, also in a folder with no node_modules above it) and
 * `dist` here links to it: Node runs `dist/*.js` from where the link points, so every run of the suite
 * runs one `worker.js` path (a project's tsx keeps its compiled copy) and nothing is copied. Outside
 * Jest it is built as `npm run build` does.
 */
export function buildBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-bundle-'));
  const shared = process.env.SCHEMABOT_TEST_BUNDLE;
  if (shared) {
    symlinkSync(join(shared, 'dist'), join(dir, 'dist'), 'dir');
    return dir;
  }
  execFileSync(
    process.execPath,
    [join(PROJECT_ROOT, 'scripts', 'build.mjs'), '--outdir', join(dir, 'dist')],
    {
      cwd: PROJECT_ROOT,
      stdio: 'pipe',
    },
  );
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ARGS` from the bundle folder. */
export function runCli(
  bundle: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const r = spawnSync(process.execPath, [join(bundle, 'dist', 'cli.js'), ...args], {
    cwd: options.cwd ?? bundle,
    env: { ...process.env, NODE_ENV: '', ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  // A report asked for with `--json FILE` follows docs/report.schema.json.
  const json = args[args.indexOf('--json') + 1];
  if (args.includes('--json') && json && json !== '-') {
    const cwd = options.cwd ?? bundle;
    expectValidReportFile(isAbsolute(json) ? json : join(cwd, json));
  }
  recordOutput(`cli ${args[0] ?? ''} stdout`, r.stdout);
  recordOutput(`cli ${args[0] ?? ''} stderr`, r.stderr);
  for (const flag of ['--json', '--markdown']) {
    const at = args.indexOf(flag);
    if (at !== -1)
      recordFile(`cli ${args[0] ?? ''} ${flag}`, resolve(options.cwd ?? bundle, args[at + 1] ?? '-'));
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
