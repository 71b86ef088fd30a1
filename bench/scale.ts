/**
 * Growth with the history: a full audit of generated histories of increasing length, each step's
 * statements trivial, so that what grows faster than the number of migrations shows, and a PR check
 * that adds one migration to each history: with the base replayed, and with a warm base-state cache
 * (which should cost the same whatever the history's length), on the shared server (`url`: the dump is
 * restored) and on a server of its own (`local` and `testcontainers`, when a Docker engine answers: a
 * base of 1,000 relations or more starts on the cluster the first check kept, a smaller one restores
 * the dump). Prints each size's wall time, its time per
 * migration, the peak resident memory of Schemabot's whole process tree, and the ratio of the largest to
 * the smallest.
 *
 *   npx tsx bench/scale.ts [--scale 250,2000] [--runs 1] [--image postgres:15-alpine]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeDocker, startPostgres, type PostgresServer } from '../src/postgres/index.js';
import { run } from './child.js';
import { makeRepo, median, ROOT } from './repo.js';
import { generateMigrations } from './generate.js';

const CLI = join(ROOT, 'dist', 'cli.js');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const SIZES = arg('scale', '250,2000').split(',').map(Number);
const RUNS = Number(arg('runs', '1'));
/** The container image of the `testcontainers` runs (the provider's default when not given). */
const IMAGE = arg('image', '');

/** A repository whose first commit holds all but the last of `n` migrations, and the second that one. */
function historyRepo(n: number): { dir: string; base: string } {
  return makeRepo(generateMigrations(n - 1), generateMigrations(1, n - 1), 'schemabot-scale-');
}

interface Row {
  n: number;
  ms: number;
  msPerMigration: number;
  peakRssMiB: number;
  /** A PR check adding 1 migration, the base replayed (`--no-cache`). */
  prCheckMs: number;
  prCheckPeakRssMiB: number;
  /** The same PR check with a warm base-state cache (a later push to the same pull request). */
  warmPrCheckMs: number;
  warmPrCheckPeakRssMiB: number;
  /** The warm PR check on a `local` server of its own, started on the cluster kept by the first. */
  warmLocalPrCheckMs: number;
  warmLocalPrCheckPeakRssMiB: number;
  /** The warm PR check in a container of its own (`testcontainers`), when a Docker engine answers. */
  warmContainerPrCheckMs?: number;
}

type Target = PostgresServer | 'local' | 'testcontainers';

function providerArgs(server: Target): string[] {
  if (server === 'local') return ['--postgres', 'local'];
  if (server === 'testcontainers') {
    return ['--postgres', 'testcontainers', ...(IMAGE ? ['--postgres-image', IMAGE] : [])];
  }
  return ['--postgres', 'url', '--postgres-url', server.url()];
}

/** A check on `server` (`url`), or on a server of its own of the provider `server` names. */
async function check(
  server: Target,
  dir: string,
  base?: string,
  cacheDir?: string,
): Promise<{ ms: number; rss: number }> {
  const json = join(dir, 'report.json');
  const args = [CLI, 'check', '--cwd', dir, '--json', json];
  args.push(...providerArgs(server));
  if (base) args.push('--base', base);
  args.push(...(cacheDir ? ['--cache-dir', cacheDir] : ['--no-cache']));
  const res = await run(process.execPath, args);
  if (res.status !== 0) throw new Error(`check failed (exit ${res.status}): ${res.stderr}`);
  if (!(JSON.parse(readFileSync(json, 'utf8')) as { ok: boolean }).ok) throw new Error('verdict not ok');
  return { ms: res.ms, rss: res.peakRssMiB };
}

async function main(): Promise<void> {
  const server = await startPostgres({ provider: 'local', version: 15 });
  const docker = await probeDocker();
  if (!docker.ok) console.log(`No testcontainers runs: ${docker.reason}`);
  const rows: Row[] = [];
  try {
    for (const n of SIZES) {
      const { dir, base } = historyRepo(n);
      const cacheDir = mkdtempSync(join(tmpdir(), 'schemabot-scale-cache-'));
      const audits: { ms: number; rss: number }[] = [];
      const prs: { ms: number; rss: number }[] = [];
      const localCacheDir = mkdtempSync(join(tmpdir(), 'schemabot-scale-cache-'));
      const warm: { ms: number; rss: number }[] = [];
      const warmLocal: { ms: number; rss: number }[] = [];
      const containerCacheDir = mkdtempSync(join(tmpdir(), 'schemabot-scale-cache-'));
      const warmContainer: { ms: number; rss: number }[] = [];
      // The first PR check of the pull request fills the cache; the timed warm ones are later pushes.
      await check(server, dir, base, cacheDir);
      await check('local', dir, base, localCacheDir);
      if (docker.ok) await check('testcontainers', dir, base, containerCacheDir);
      for (let r = 0; r < RUNS; r++) {
        audits.push(await check(server, dir));
        prs.push(await check(server, dir, base));
        warm.push(await check(server, dir, base, cacheDir));
        warmLocal.push(await check('local', dir, base, localCacheDir));
        if (docker.ok) warmContainer.push(await check('testcontainers', dir, base, containerCacheDir));
      }
      rmSync(dir, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
      rmSync(localCacheDir, { recursive: true, force: true });
      rmSync(containerCacheDir, { recursive: true, force: true });
      const ms = median(audits.map((a) => a.ms));
      const row: Row = {
        n,
        ms,
        msPerMigration: ms / n,
        peakRssMiB: Math.max(...audits.map((a) => a.rss)),
        prCheckMs: median(prs.map((a) => a.ms)),
        prCheckPeakRssMiB: Math.max(...prs.map((a) => a.rss)),
        warmPrCheckMs: median(warm.map((a) => a.ms)),
        warmPrCheckPeakRssMiB: Math.max(...warm.map((a) => a.rss)),
        warmLocalPrCheckMs: median(warmLocal.map((a) => a.ms)),
        warmLocalPrCheckPeakRssMiB: Math.max(...warmLocal.map((a) => a.rss)),
        ...(warmContainer.length ? { warmContainerPrCheckMs: median(warmContainer.map((a) => a.ms)) } : {}),
      };
      rows.push(row);
      console.log(
        `N=${String(n).padStart(5)}  full audit ${(ms / 1000).toFixed(1)} s (${(ms / n).toFixed(1)} ms per migration, ` +
          `peak ${row.peakRssMiB.toFixed(0)} MiB) · PR check adding 1: ${(row.prCheckMs / 1000).toFixed(1)} s ` +
          `(peak ${row.prCheckPeakRssMiB.toFixed(0)} MiB), warm cache ${(row.warmPrCheckMs / 1000).toFixed(1)} s ` +
          `(peak ${row.warmPrCheckPeakRssMiB.toFixed(0)} MiB), warm cache on its own local server ` +
          `${(row.warmLocalPrCheckMs / 1000).toFixed(1)} s (peak ${row.warmLocalPrCheckPeakRssMiB.toFixed(0)} MiB)` +
          (row.warmContainerPrCheckMs === undefined
            ? ''
            : `, warm cache in its own container ${(row.warmContainerPrCheckMs / 1000).toFixed(1)} s`),
      );
    }
  } finally {
    await server.stop();
  }
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  console.log(
    `N=${last.n} vs N=${first.n}: ${(last.ms / first.ms).toFixed(1)}× the time for ${(last.n / first.n).toFixed(0)}× the migrations; ` +
      `PR check with a warm cache ${(last.warmPrCheckMs / first.warmPrCheckMs).toFixed(1)}× (url), ` +
      `${(last.warmLocalPrCheckMs / first.warmLocalPrCheckMs).toFixed(2)}× (local, on the kept cluster)` +
      (last.warmContainerPrCheckMs && first.warmContainerPrCheckMs
        ? `, ${(last.warmContainerPrCheckMs / first.warmContainerPrCheckMs).toFixed(2)}× (testcontainers)`
        : ''),
  );
  console.log(JSON.stringify({ bench: 'scale', runs: RUNS, rows }));
}

await main();
