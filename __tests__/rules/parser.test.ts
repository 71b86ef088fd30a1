/**
 * The SQL parser in a process of its own, as every check runs it: parsing many statements must not
 * set V8 recompiling the parser's WebAssembly with its optimizing compiler, which took 0.5 s of CPU and
 * about 550 MB of memory in every process that parsed a few hundred statements (src/shared/wasm.ts).
 */
import { expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../helpers/repo.js';

const SCRIPT = `
import { loadSqlParser } from ${JSON.stringify(join(PROJECT_ROOT, 'src', 'assess', 'sql.ts'))};
const parser = await loadSqlParser();
let actions = 0;
for (let i = 0; i < 1000; i++) {
  actions += parser.parse('ALTER TABLE "t' + i + '" ADD COLUMN "c" integer NOT NULL DEFAULT 0').actions.length;
}
// A recompilation runs in the background once the parser has run enough: give it time to show.
await new Promise((resolve) => setTimeout(resolve, 1500));
process.stdout.write(JSON.stringify({ actions, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
`;

test('a thousand statements parse on the first compiled code, without a recompilation', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.stderr).toBe('');
  const { actions, maxRssMiB } = JSON.parse(r.stdout) as { actions: number; maxRssMiB: number };
  expect(actions).toBe(1000);
  // About 100 MiB on the first code; a recompilation of the grammar alone takes about 550 MB.
  expect(maxRssMiB).toBeLessThan(300);
});
