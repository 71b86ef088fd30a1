/**
 * Growth with the history: a full audit of generated histories of increasing length, each step's
 * statements trivial, so that what grows faster than the number of migrations shows. Prints each
 * size's wall time, its time per migration and the ratio of the largest to the smallest.
 *
 *   npx tsx bench/scale.ts [--scale 250,2000] [--runs 1]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../src/postgres/index.js';
import { run } from './child.js';
import { generateMigrations } from './generate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const SIZES = arg('scale', '250,2000').split(',').map(Number);
const RUNS = Number(arg('runs', '1'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function makeRepo(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-scale-'));
  const files: Record<string, string> = {
    'package.json': '{"name":"bench-app","private":true}',
    '.gitignore': 'node_modules\n',
    'config/config.json': JSON.stringify({ development: { dialect: 'postgres', logging: false } }),
    ...generateMigrations(n),
  };
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), t);
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@b',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@b',
  };
  for (const a of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-qm', 'history'],
  ])
    execFileSync('git', a, { cwd: dir, env });
  return dir;
}

async function main(): Promise<void> {
  const server = await startPostgres({ provider: 'local', version: 15 });
  const rows: { n: number; ms: number; msPerMigration: number }[] = [];
  try {
    for (const n of SIZES) {
      const dir = makeRepo(n);
      const times: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const json = join(dir, 'report.json');
        const res = await run(process.execPath, [
          CLI,
          'check',
          '--cwd',
          dir,
          '--postgres',
          'url',
          '--postgres-url',
          server.url(),
          '--json',
          json,
        ]);
        times.push(res.ms);
        if (res.status !== 0)
          throw new Error(`full audit of ${n} failed (exit ${res.status}): ${res.stderr}`);
        if (!(JSON.parse(readFileSync(json, 'utf8')) as { ok: boolean }).ok)
          throw new Error('verdict not ok');
      }
      rmSync(dir, { recursive: true, force: true });
      const ms = median(times);
      rows.push({ n, ms, msPerMigration: ms / n });
      console.log(
        `full audit N=${String(n).padStart(5)}  ${(ms / 1000).toFixed(1)} s  (${(ms / n).toFixed(1)} ms per migration)`,
      );
    }
  } finally {
    await server.stop();
  }
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  console.log(
    `N=${last.n} vs N=${first.n}: ${(last.ms / first.ms).toFixed(1)}× the time for ${(last.n / first.n).toFixed(0)}× the migrations`,
  );
  console.log(JSON.stringify({ bench: 'scale', runs: RUNS, rows }));
}

await main();
