/**
 * Time to a usable throwaway PostgreSQL, per provider: the median of several starts.
 *
 *   npx tsx bench/providers.ts [--runs N] [--json FILE]
 *
 * The testcontainers case needs a Docker engine with the image in SCHEMABOT_TEST_PG_IMAGE (the
 * settings `.ci/testcontainers.sh` writes are read when DOCKER_HOST is not set); it is reported as
 * skipped, with the reason, otherwise.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startPostgres, type PostgresServer } from '../src/postgres/index.js';
import { dockerTestEngine } from '../__tests__/helpers/postgres.js';

const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf('--runs') + 1] || 7) || 7;
const jsonOut = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : undefined;

interface Result {
  case: string;
  runs: number;
  medianMs?: number;
  minMs?: number;
  maxMs?: number;
  firstMs?: number;
  note?: string;
}

const results: Result[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `start` once to warm up (reported as `firstMs`), then `runs` more times. */
async function measure(
  name: string,
  start: () => Promise<PostgresServer>,
  options: { warmup?: boolean; before?: () => void; after?: () => void } = {},
): Promise<void> {
  const times: number[] = [];
  let first: number | undefined;
  const total = runs + (options.warmup === false ? 0 : 1);
  for (let i = 0; i < total; i++) {
    options.before?.();
    const t0 = performance.now();
    const server = await start();
    const ms = performance.now() - t0;
    await server.stop();
    options.after?.();
    if (i === 0 && options.warmup !== false) first = ms;
    else times.push(ms);
  }
  const r: Result = {
    case: name,
    runs: times.length,
    medianMs: round(median(times)),
    minMs: round(Math.min(...times)),
    maxMs: round(Math.max(...times)),
    firstMs: first === undefined ? undefined : round(first),
  };
  results.push(r);
  console.log(
    `${name.padEnd(44)} median ${String(r.medianMs).padStart(7)} ms  (min ${r.minMs}, max ${r.maxMs}` +
      `${r.firstMs === undefined ? '' : `, first ${r.firstMs}`}; n=${r.runs})`,
  );
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

// Local, cached cluster on tmpfs.
await measure('local 15 (Debian, cached cluster)', () => startPostgres({ provider: 'local', version: 15 }));
await measure('local 17 (embedded package, cached cluster)', () =>
  startPostgres({ provider: 'local', version: 17 }),
);

// Local, first start on a machine: a fresh scratch directory forces initdb every time.
for (const version of [15, 17]) {
  let scratch = '';
  const saved = process.env.SCHEMABOT_TMPDIR;
  await measure(
    `local ${version} first start (cold initdb)`,
    () => startPostgres({ provider: 'local', version }),
    {
      warmup: false,
      before: () => {
        scratch = mkdtempSync('/dev/shm/schemabot-bench-');
        chmodSync(scratch, 0o755);
        process.env.SCHEMABOT_TMPDIR = scratch;
      },
      after: () => {
        rmSync(scratch, { recursive: true, force: true });
        if (saved === undefined) delete process.env.SCHEMABOT_TMPDIR;
        else process.env.SCHEMABOT_TMPDIR = saved;
      },
    },
  );
}

// url: an existing server; ready = connected, checked, one throwaway database created.
{
  const host = await startPostgres({ provider: 'local', version: 15 });
  await measure('url (check + create throwaway database)', async () => {
    const server = await startPostgres({ provider: 'url', url: host.url() });
    await server.createDatabase();
    return server;
  });
  await host.stop();
}

// testcontainers, data on tmpfs.
const engine = await dockerTestEngine();
if (engine.ok) {
  await measure(`testcontainers (${engine.image}, tmpfs)`, () =>
    startPostgres({ provider: 'testcontainers', image: engine.image }),
  );
} else {
  console.warn(`testcontainers: skipped: ${engine.reason}`);
  results.push({ case: 'testcontainers', runs: 0, note: `skipped: ${engine.reason}` });
}

if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ runs, results }, null, 2) + '\n');
