/**
 * PR check and full audit: Schemabot against the by-hand script a user would write today
 * (sequelize-cli + pg_dump --schema-only + diff), on the same PostgreSQL server in the same run.
 * Prints ratios (Schemabot wall time / by-hand wall time) and Schemabot's wall time as a multiple of
 * the time PostgreSQL spent executing the migrations' statements (the floor).
 *
 * `pr-check` replays the base branch's migrations (`--no-cache`); `pr-check-warm` restores them from
 * a base-state cache that one untimed run filled first (a later push to the same pull request).
 *
 *   npx tsx bench/check.ts [--sizes 50,300] [--runs 3] [--scenarios pr-check,pr-check-warm,...]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../src/postgres/index.js';
import { run } from './child.js';
import { makeRepo, median, ROOT } from './repo.js';
import { generateMigrations, generateRealMigrations } from './generate.js';

const CLI = join(ROOT, 'dist', 'cli.js');
const SEQUELIZE = join(ROOT, 'node_modules', 'sequelize-cli', 'lib', 'sequelize');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const SIZES = arg('sizes', '50,300').split(',').map(Number);
const RUNS = Number(arg('runs', '3'));
const SCENARIOS = arg('scenarios', 'pr-check,pr-check-warm,full-audit,full-audit-real').split(',');

async function sh(script: string, env: Record<string, string>): Promise<number> {
  const r = await run('bash', ['-ec', script], { ...process.env, ...env });
  if (r.status !== 0) throw new Error(`by-hand script failed: ${r.stderr}`);
  return r.ms;
}

const BY_HAND_PR = `
psql -q "$ADMIN" -c "CREATE DATABASE $DB"
git -C "$REPO" worktree add -q --detach "$WT" "$BASE"
ln -s "$REPO/node_modules" "$WT/node_modules"
cli() { node "$SEQ" "$@" --url "$URL" >/dev/null; }
(cd "$WT" && cli db:migrate)
pg_dump --schema-only "$URL" > "$OUT/base.sql"
cd "$REPO"
cli db:migrate
pg_dump --schema-only "$URL" > "$OUT/head.sql"
cli db:migrate:undo
cli db:migrate:undo
pg_dump --schema-only "$URL" > "$OUT/undone.sql"
cli db:migrate
pg_dump --schema-only "$URL" > "$OUT/redone.sql"
diff "$OUT/base.sql" "$OUT/undone.sql" > /dev/null || true
diff "$OUT/head.sql" "$OUT/redone.sql" > /dev/null || true
git -C "$REPO" worktree remove --force "$WT"
psql -q "$ADMIN" -c "DROP DATABASE $DB"
`;

const BY_HAND_AUDIT = `
psql -q "$ADMIN" -c "CREATE DATABASE $DB"
cd "$REPO"
cli() { node "$SEQ" "$@" --url "$URL" >/dev/null; }
pg_dump --schema-only "$URL" > "$OUT/empty.sql"
cli db:migrate
pg_dump --schema-only "$URL" > "$OUT/all.sql"
cli db:migrate:undo:all
pg_dump --schema-only "$URL" > "$OUT/undone.sql"
cli db:migrate
pg_dump --schema-only "$URL" > "$OUT/redone.sql"
diff "$OUT/empty.sql" "$OUT/undone.sql" > /dev/null || true
diff "$OUT/all.sql" "$OUT/redone.sql" > /dev/null || true
psql -q "$ADMIN" -c "DROP DATABASE $DB"
`;

// A real history's downs fail (by mistake or on purpose), and its re-ups then fail where such a down
// left its objects: by hand, each failure is stepped past in the meta table so the run goes on.
const BY_HAND_AUDIT_STEPPING = `
psql -q "$ADMIN" -c "CREATE DATABASE $DB"
cd "$REPO"
cli() { node "$SEQ" "$@" --url "$URL" >/dev/null 2>&1; }
meta() { psql -qtA "$URL" -c "$1"; }
pending() { comm -23 <(ls migrations | sort) <(meta 'SELECT name FROM "SequelizeMeta" ORDER BY name') | head -1; }
migrate() { until cli db:migrate; do meta "INSERT INTO \\"SequelizeMeta\\" VALUES ('$(pending)')" >/dev/null; done; }
pg_dump --schema-only "$URL" > "$OUT/empty.sql"
migrate
pg_dump --schema-only "$URL" > "$OUT/all.sql"
until cli db:migrate:undo:all; do
  meta 'DELETE FROM "SequelizeMeta" WHERE name = (SELECT max(name) FROM "SequelizeMeta")' >/dev/null
done
pg_dump --schema-only "$URL" > "$OUT/undone.sql"
migrate
pg_dump --schema-only "$URL" > "$OUT/redone.sql"
diff "$OUT/empty.sql" "$OUT/undone.sql" > /dev/null || true
diff "$OUT/all.sql" "$OUT/redone.sql" > /dev/null || true
psql -q "$ADMIN" -c "DROP DATABASE $DB"
`;

const BY_HAND: Record<string, string> = {
  'pr-check': BY_HAND_PR,
  'pr-check-warm': BY_HAND_PR,
  'full-audit': BY_HAND_AUDIT,
  'full-audit-real': BY_HAND_AUDIT_STEPPING,
};

interface Row {
  scenario: string;
  n: number;
  schemabotVsByHand: number;
  schemabotVsFloor: number;
  ok: boolean;
  /** Migrations judged not reversible, and whether the audit had to check each migration on its own. */
  irreversible: number;
  fellBack: boolean;
  /** pr-check-warm: base migrations the timed runs restored from the cache (fewest of the runs). */
  restored?: number;
  /**
   * pr-check-warm: wall time over the statements the cold PR check's verdict rests on (the base replay
   * and the new migrations): a warm check restores the base instead of running those statements, so its
   * own statements are only the new migrations'.
   */
  schemabotVsColdFloor?: number;
}

async function main(): Promise<void> {
  const server = await startPostgres({ provider: 'local', version: 15 });
  const rows: Row[] = [];
  /** The statement floor of the cold PR check, by history size (for pr-check-warm). */
  const coldFloor = new Map<number, number>();
  try {
    for (const n of SIZES) {
      const clean = makeRepo(generateMigrations(n), generateMigrations(2, n));
      const real = SCENARIOS.includes('full-audit-real')
        ? makeRepo(generateRealMigrations(n).files, {})
        : undefined;
      const out = mkdtempSync(join(tmpdir(), 'schemabot-bench-out-'));
      for (const scenario of SCENARIOS) {
        const { dir, base } = scenario === 'full-audit-real' ? real! : clean;
        const ours: number[] = [];
        const theirs: number[] = [];
        let floor = 0;
        let ok = true;
        let irreversible = 0;
        let fellBack = false;
        let restored = Infinity;
        const cacheDir = scenario === 'pr-check-warm' ? join(out, 'cache') : undefined;
        const schemabotArgs = (json: string) => [
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
          ...(scenario.startsWith('pr-check') ? ['--base', base] : []),
          ...(cacheDir ? ['--cache-dir', cacheDir] : ['--no-cache']),
        ];
        if (cacheDir) {
          // The first run of a pull request fills the cache; the timed ones are its later pushes.
          const warm = await run(process.execPath, schemabotArgs(join(out, 'warm.json')));
          if (warm.status === 2) throw new Error(warm.stderr);
        }
        for (let r = 0; r < RUNS; r++) {
          const db = `bench_${process.pid}_${r}`;
          const env = {
            ADMIN: server.url(),
            URL: server.url(db),
            DB: db,
            REPO: dir,
            BASE: base,
            WT: join(out, `wt${r}`),
            OUT: out,
            SEQ: SEQUELIZE,
          };
          theirs.push(await sh(BY_HAND[scenario]!, env));
          const json = join(out, 'report.json');
          const res = await run(process.execPath, schemabotArgs(json));
          if (res.status === 2) throw new Error(res.stderr);
          fellBack ||= /checking each migration on its own/.test(res.stderr + res.stdout);
          ours.push(res.ms);
          type Step = { statements: { ms: number }[] } | null;
          const report = JSON.parse(readFileSync(json, 'utf8')) as {
            ok: boolean;
            baseReplay: { statementMs: number; cache?: { restored: number } };
            migrations: { up: Step; down: Step; reup: Step; reversible: boolean | null }[];
          };
          ok &&= report.ok;
          restored = Math.min(restored, report.baseReplay.cache?.restored ?? 0);
          irreversible = report.migrations.filter((m) => m.reversible === false).length;
          const statementMs = (st: Step) => (st ? st.statements.reduce((a, x) => a + x.ms, 0) : 0);
          floor =
            report.baseReplay.statementMs +
            report.migrations.reduce(
              (s, m) => s + statementMs(m.up) + statementMs(m.down) + statementMs(m.reup),
              0,
            );
        }
        if (scenario === 'pr-check') coldFloor.set(n, floor);
        const cold = coldFloor.get(n);
        const row: Row = {
          scenario,
          n,
          schemabotVsByHand: median(ours) / median(theirs),
          schemabotVsFloor: median(ours) / floor,
          ok,
          irreversible,
          fellBack,
          ...(cacheDir ? { restored } : {}),
          ...(cacheDir && cold ? { schemabotVsColdFloor: median(ours) / cold } : {}),
        };
        rows.push(row);
        console.log(
          `${scenario.padEnd(15)} N=${String(n).padStart(3)}  Schemabot / by-hand = ${row.schemabotVsByHand.toFixed(2)}×` +
            `  Schemabot / statement floor = ${row.schemabotVsFloor.toFixed(1)}×  (verdict ok: ${ok}, ` +
            `not reversible: ${irreversible}, per-migration fallback: ${fellBack}` +
            `${cacheDir ? `, restored from the cache: ${restored}` : ''}` +
            `${row.schemabotVsColdFloor ? `, / the cold check's statement floor = ${row.schemabotVsColdFloor.toFixed(1)}×` : ''})` +
            `  [${(median(ours) / 1000).toFixed(1)} s vs ${(median(theirs) / 1000).toFixed(1)} s]`,
        );
      }
      for (const repo of [clean, real]) if (repo) rmSync(repo.dir, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  } finally {
    await server.stop();
  }
  console.log(JSON.stringify({ bench: 'check', runs: RUNS, rows }));
}

await main();
