/**
 * Every `schemabot ...` command of the documentation runs: each `sh` block of the README and docs/ is
 * read from the Markdown, and its `schemabot` lines run in order, in bash, through the bundled CLI
 * (`npx schemabot` and `schemabot` both reach `node dist/cli.js`), in a copy of the repository's sample
 * project, with `DATABASE_URL` pointing at a fresh database on a real PostgreSQL. Lines that are not
 * Schemabot commands (`npm ci`, `npm test`...) are the development commands of this repository and are
 * left out.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PostgresServer } from '../../src/postgres/index.js';
import { buildBundle } from '../helpers/bundle.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { javaScriptNodeModules, PROJECT_ROOT } from '../helpers/repo.js';
import { expectValidReport } from '../helpers/report-schema.js';
import { docPages, fencedBlocks } from './markdown.js';
import { PYTHON } from '../alembic/fixture.js';

const COMMAND = /^(?:npx )?schemabot\s/;

const blocks = docPages()
  .flatMap(fencedBlocks)
  .filter((b) => ['sh', 'bash', 'shell'].includes(b.lang))
  .map((b) => ({ ...b, commands: b.text.split('\n').filter((l) => COMMAND.test(l.trim())) }))
  .filter((b) => b.commands.length > 0);

let bundle: string;
let bin: string;
let postgres: PostgresServer;
const temps: string[] = [];

beforeAll(async () => {
  bundle = buildBundle();
  // `schemabot` on PATH, as `npm i -D schemabot` puts it in node_modules/.bin; `npx` finds the same.
  bin = mkdtempSync(join(tmpdir(), 'schemabot-docs-bin-'));
  temps.push(bin);
  const cli = join(bundle, 'dist', 'cli.js');
  writeFileSync(join(bin, 'schemabot'), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = schemabot ] && shift\nexec "${bin}/schemabot" "$@"\n`);
  chmodSync(join(bin, 'schemabot'), 0o755);
  chmodSync(join(bin, 'npx'), 0o755);
  // `pip install -r requirements.txt` of the Alembic page: python3 is the Python that has them.
  symlinkSync(PYTHON, join(bin, 'python3'));
  postgres = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await postgres.stop();
  rmSync(bundle, { recursive: true, force: true });
  temps.forEach((t) => rmSync(t, { recursive: true, force: true }));
});

/**
 * The sample project of the repository, as a user's project: its files, and the packages of a
 * JavaScript project (its package.json names no loader).
 */
function sampleProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-docs-project-'));
  temps.push(dir);
  for (const part of ['migrations', 'models', 'config', '.sequelizerc', 'examples']) {
    cpSync(join(PROJECT_ROOT, part), join(dir, part), { recursive: true });
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'sample-app', private: true }));
  symlinkSync(javaScriptNodeModules(), join(dir, 'node_modules'), 'dir');
  return dir;
}

test('the documentation shows the commands of every use', () => {
  const all = blocks.flatMap((b) => b.commands).join('\n');
  for (const command of ['check', 'models', 'generate', 'diff', 'status', 'upgrade', 'rollback', 'stamp']) {
    expect(all).toMatch(new RegExp(`schemabot ${command}\\b`));
  }
});

describe.each(blocks.map((b) => [`${b.page}:${b.line}`, b] as const))('%s', (_, block) => {
  test('every command runs and exits 0', async () => {
    const cwd = sampleProject();
    const database = await postgres.createDatabase();
    for (const command of block.commands) {
      // No rc file: bash reads ~/.bashrc when its stdin is a socket (as spawnSync's pipe is), and a
      // PATH it sets there would come before the folder that holds `schemabot` and `python3`.
      const r = spawnSync('bash', ['--noprofile', '--norc', '-c', command], {
        cwd,
        encoding: 'utf8',
        timeout: 150_000,
        env: {
          ...process.env,
          NODE_ENV: '',
          PATH: `${bin}:${process.env.PATH}`,
          DATABASE_URL: postgres.url(database),
        },
      });
      expect({ command, code: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({
        command,
        code: 0,
        stderr: '',
      });
      // A report the example asked for is one the schema describes.
      const json = /--json\s+(\S+)/.exec(command)?.[1];
      if (json && json !== '-') {
        expect(existsSync(join(cwd, json))).toBe(true);
        expectValidReport(JSON.parse(readFileSync(join(cwd, json), 'utf8')));
      }
    }
  });
});
