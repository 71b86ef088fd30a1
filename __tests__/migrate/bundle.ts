import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The migrate stage bundled the way scripts/build.mjs bundles the CLI (one ESM file, no node_modules
 * next to it), plus a driver that runs a list of operations in one real Node process and prints JSON.
 * Process-level behaviour (unhandled rejections, require of TypeScript through tsx) is only faithful
 * outside Jest's module sandbox.
 */
export interface Bundle {
  dir: string;
  run(request: DriverRequest): Promise<DriverResponse>;
  remove(): void;
}

export type Operation = ['up' | 'down', string] | ['applied'] | ['listeners'];

export interface DriverRequest {
  url: string;
  cwd: string;
  env?: string;
  timeoutMs?: number;
  ops: Operation[];
}

export interface DriverResponse {
  sequelizeSource: string;
  results: unknown[];
}

const DRIVER = `
import { loadProject, discoverMigrations, MigrationRunner } from './migrate.mjs';
const request = JSON.parse(process.argv[2]);
const project = await loadProject({ cwd: request.cwd, env: request.env });
const byName = new Map(discoverMigrations(project.migrationsDir).map((m) => [m.name, m]));
const runner = await MigrationRunner.open(request.url, project, { timeoutMs: request.timeoutMs });
const results = [];
for (const [op, name] of request.ops) {
  if (op === 'applied') results.push(await runner.applied());
  else if (op === 'listeners') {
    results.push({ unhandledRejection: process.listenerCount('unhandledRejection'), uncaughtException: process.listenerCount('uncaughtException') });
  } else results.push(await runner[op](byName.get(name)));
}
await runner.close();
process.stdout.write(JSON.stringify({ sequelizeSource: runner.sequelizeSource, results }));
`;

function withoutNodeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_ENV;
  return env;
}

export async function buildBundle(): Promise<Bundle> {
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-bundle-'));
  // The migrate stage, and beside it the worker that runs the project's code (as dist/ has them).
  for (const [entry, outfile] of [
    [join(repoRoot, 'src', 'migrate', 'index.ts'), join(dir, 'migrate.mjs')],
    [join(repoRoot, 'src', 'migrate', 'worker', 'main.ts'), join(dir, 'worker.js')],
  ] as const) {
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      mainFields: ['module', 'main'],
      conditions: ['node'],
      logLevel: 'error',
      external: ['pg-native', 'cpu-features', '*.node', 'tsx', 'tsx/*', 'ts-node'],
      banner: {
        js: "import { createRequire as __schemabotCreateRequire } from 'node:module'; const require = __schemabotCreateRequire(import.meta.url);",
      },
    });
  }
  writeFileSync(join(dir, 'driver.mjs'), DRIVER);
  return {
    dir,
    async run(request) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(dir, 'driver.mjs'), JSON.stringify(request)],
        {
          cwd: dir,
          env: withoutNodeEnv(),
          timeout: 60_000,
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      return JSON.parse(stdout) as DriverResponse;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
