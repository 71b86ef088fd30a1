import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { PostgresServer } from '../../src/postgres/index.js';
import { buildBundle } from '../helpers/bundle.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { FixtureRepo } from '../helpers/repo.js';

/** The production role's password: no output of any test may contain it. */
export const PASSWORD = 'Pr0d-s3cret-Pa55word';
const ROLE = 'schemabot_app';

/** Every stdout, stderr and report the tests saw, scanned for the password at the end. */
export const outputs: string[] = [];

/** Fails if any output seen so far contains the password (or its URL-encoded form). */
export function expectNoPasswordLeak(): void {
  if (!outputs.length) throw new Error('No output was recorded: nothing to scan.');
  const leaks = outputs.filter((o) => o.includes(PASSWORD) || o.includes(encodeURIComponent(PASSWORD)));
  if (leaks.length) throw new Error(`The password leaked into ${leaks.length} output(s):\n${leaks[0]}`);
}

/** The real CLI bundle (`npm run build` into a folder without node_modules); returns its cli.js. */
export async function buildCli(): Promise<string> {
  return join(buildBundle(), 'dist', 'cli.js');
}

/** Removes a bundle made by `buildCli`. */
export function removeCli(bundle: string | undefined): void {
  if (bundle) rmSync(dirname(dirname(bundle)), { recursive: true, force: true });
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** The JSON report, when `--json FILE` was asked for through `json: true`. */
  report?: Record<string, unknown> & { ok: boolean };
}

/** Runs the CLI in its own process (asynchronously, so several can run at once). */
export function cli(
  bundle: string,
  args: string[],
  options: { cwd?: string; json?: boolean } = {},
): Promise<Run> {
  const jsonFile = options.json
    ? join(mkdtempSync(join(tmpdir(), 'schemabot-report-')), 'report.json')
    : undefined;
  const all = jsonFile ? [...args, '--json', jsonFile] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...all], {
      cwd: options.cwd ?? tmpdir(),
      env: { ...process.env, NODE_ENV: '', NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      outputs.push(stdout, stderr);
      const run: Run = { code: code ?? -1, stdout, stderr };
      if (jsonFile) {
        try {
          const text = readFileSync(jsonFile, 'utf8');
          outputs.push(text);
          run.report = JSON.parse(text) as Run['report'];
        } catch {
          // no report written (usage or environment error)
        }
        rmSync(join(jsonFile, '..'), { recursive: true, force: true });
      }
      resolve(run);
    });
  });
}

/** A PostgreSQL server standing in for production: databases owned by a role with a password. */
export class ProductionServer {
  private constructor(readonly server: PostgresServer) {}

  static async start(): Promise<ProductionServer> {
    const server = await startTestPostgres();
    const admin = new pg.Client({ connectionString: server.url() });
    await admin.connect();
    await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
    await admin.end();
    return new ProductionServer(server);
  }

  /** A fresh database owned by the role; `url` carries the password, `admin` is a superuser client on it. */
  async database(): Promise<{ name: string; url: string; adminUrl: string }> {
    const name = await this.server.createDatabase();
    const admin = new pg.Client({ connectionString: this.server.url() });
    await admin.connect();
    await admin.query(`ALTER DATABASE "${name}" OWNER TO ${ROLE}`);
    await admin.end();
    const url = new URL(this.server.url(name));
    url.username = ROLE;
    url.password = PASSWORD;
    return { name, url: url.toString(), adminUrl: this.server.url(name) };
  }

  /** Flags that make rehearsals use throwaway databases on this same server. */
  get rehearsalFlags(): string[] {
    return ['--postgres', 'url', '--postgres-url', this.server.url()];
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

/** A sequelize-cli project in a temp folder (node_modules linked), its migrations in `migrations/`. */
export function project(migrations: Record<string, string>): FixtureRepo {
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(migrations)) files[`migrations/${name}`] = text;
  return new FixtureRepo(files);
}

/** `sequelize-cli db:migrate:status` run from the project: names it lists as up and as down. */
export function sequelizeCliStatus(dir: string, url: string): { up: string[]; down: string[] } {
  const r = spawnSync(
    process.execPath,
    [join(dir, 'node_modules', 'sequelize-cli', 'lib', 'sequelize'), 'db:migrate:status', '--url', url],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_ENV: '' } },
  );
  outputs.push(r.stdout, r.stderr);
  if (r.status !== 0) throw new Error(`sequelize-cli failed: ${r.stderr}`);
  const up: string[] = [];
  const down: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(up|down)\s+(\S+)/.exec(line.trim());
    if (m) (m[1] === 'up' ? up : down).push(m[2]!);
  }
  return { up, down };
}

/** Runs SQL as the superuser on a database; returns the rows. */
export async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Names in SequelizeMeta, in order. */
export async function metaRows(url: string): Promise<string[]> {
  const rows = await sql<{ name: string }>(url, 'SELECT name FROM "SequelizeMeta" ORDER BY name COLLATE "C"');
  return rows.map((r) => r.name);
}

export function writeFile(path: string, text: string): void {
  writeFileSync(path, text);
}
