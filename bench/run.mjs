// npm run bench: every benchmark, each against what a user would do by hand, reported as ratios.
//   check.ts      PR check and full audit vs sequelize-cli + pg_dump --schema-only + diff
//   models.ts     schemabot models vs sync() + db:migrate + pg_dump + diff
//   snapshot.ts   catalog snapshot vs pg_dump --schema-only on 1,000 tables; diff time
//   providers.ts  time-to-ready of each throwaway PostgreSQL provider
//   scale.ts      full audit time at 250 and 2,000 migrations (growth with the history)
// Extra arguments go to every benchmark (e.g. --runs 5).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tsx = join(here, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
let failed = false;
for (const bench of ['check.ts', 'models.ts', 'snapshot.ts', 'providers.ts', 'scale.ts']) {
  console.log(`\n== ${bench}`);
  const r = spawnSync(process.execPath, [tsx, join(here, bench), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error(`${bench} failed (exit ${r.status})`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
