/**
 * What a person can do wrong or on purpose at the command line, and what must never follow from it: a
 * password in the output, a connection to a server other than the one meant, a server left running.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle, runCli } from '../helpers/bundle.js';
import { recordOutput } from '../helpers/outputs.js';
import { CREATE_USERS, FixtureRepo, migration } from '../helpers/repo.js';

const CANARY = process.env.SCHEMABOT_PASSWORD_CANARY ?? 'SbCanaryPw';
let bundle: string;
const repos: FixtureRepo[] = [];
beforeAll(() => {
  bundle = buildBundle();
});
afterAll(() => {
  rmSync(bundle, { recursive: true, force: true });
  repos.forEach((r) => r.remove());
});

const PW = `${CANARY}-url-7Qx`;
const ENCODED = `${CANARY}%40url%2F7Qx`; // the password "…@url/7Qx", percent-encoded in the URL
const MALFORMED = [
  { url: `app:${PW}@127.0.0.1:55432/prod`, why: /must start with postgres:\/\/ or postgresql:\/\// },
  { url: `postgres:/app:${PW}@127.0.0.1/prod`, why: /"postgres:" must be followed by "\/\/"/ },
  { url: `postgres:app:${PW}@127.0.0.1/prod`, why: /"postgres:" must be followed by "\/\/"/ },
  { url: `postgres:app:${ENCODED}@127.0.0.1/prod`, why: /"postgres:" must be followed by "\/\/"/ },
  { url: `mysql://app:${PW}@127.0.0.1:3306/prod`, why: /unsupported scheme "mysql:"/ },
  { url: `postgres://app:${PW}@/prod`, why: /has no host/ },
  { url: `postgres://app:${ENCODED}@:5432/prod`, why: /has no host|is not a valid URL/ },
];

describe.each([
  { flag: '--database-url', args: (url: string) => ['status', '--database-url', url] },
  { flag: '--postgres-url', args: (url: string) => ['check', '--postgres', 'url', '--postgres-url', url] },
  { flag: 'FROM_URL', args: (url: string) => ['diff', url, 'postgres://u@127.0.0.1:1/x'] },
])('$flag', ({ flag, args }) => {
  test.each(MALFORMED)('$url is a usage error before any connection, its password masked', ({ url, why }) => {
    const t0 = Date.now();
    const r = runCli(bundle, args(url));
    const all = r.stdout + r.stderr;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(why);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).toContain('***');
    expect(all).not.toContain(CANARY);
    expect(all).not.toContain(decodeURIComponent(ENCODED));
    expect(all).not.toMatch(/connect|ECONNREFUSED/i);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

test("check: the password of DATABASE_URL and a migration's own print of it never reach any output", () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  const password = `${CANARY}-env-p@ss/9`;
  const url = `postgres://app:${encodeURIComponent(password)}@db.invalid:5432/app`;
  repo.commit({
    'migrations/20260101000000-create-users.js': CREATE_USERS,
    'migrations/20260102000000-leaky.js': migration(
      [
        'console.log("connecting to", process.env.DATABASE_URL);',
        'console.error("password", decodeURIComponent(new URL(process.env.DATABASE_URL).password));',
        "throw new Error('cannot reach db with pw ' + decodeURIComponent(new URL(process.env.DATABASE_URL).password) + ' / ' + new URL(process.env.DATABASE_URL).password);",
      ].join('\n    '),
      '',
    ),
  });
  const json = join(repo.dir, 'report.json');
  const md = join(repo.dir, 'report.md');
  const r = runCli(
    bundle,
    ['check', '--cwd', repo.dir, '--postgres', 'local', '--json', json, '--markdown', md],
    {
      env: { DATABASE_URL: url },
    },
  );
  const outputs = [r.stdout, r.stderr, readFileSync(json, 'utf8'), readFileSync(md, 'utf8')];
  expect(r.code).toBe(1);
  expect(outputs[2]).toContain('cannot reach db with pw ***');
  for (const text of outputs) {
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(encodeURIComponent(password));
  }
});

/** Processes whose command line mentions `text` (the server of a run names its data directory). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.split(') ')[1]?.[0] === 'Z') continue;
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text)) pids.push(Number(d));
    } catch {
      /* ended meanwhile */
    }
  }
  return pids;
}

test('SIGKILL of the CLI mid-check: within 10 s no server process and no data directory of that run', async () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  repo.commit({
    'migrations/20260101000000-create-users.js': CREATE_USERS,
    'migrations/20260102000000-slow.js': migration('await new Promise((r) => setTimeout(r, 120000));', ''),
  });
  const scratch = mkdtempSync(join(tmpdir(), 'schemabot-kill-'));
  chmodSync(scratch, 0o755);
  const child = spawn(
    process.execPath,
    [join(bundle, 'dist', 'cli.js'), 'check', '--cwd', repo.dir, '--postgres', 'local'],
    { env: { ...process.env, SCHEMABOT_TMPDIR: scratch }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', () => undefined);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    // Mid-check: the server runs and the slow migration is under way.
    const runDirs = () => {
      try {
        return readdirSync(scratch).flatMap((d) =>
          readdirSync(join(scratch, d))
            .filter((e) => e.startsWith(`run-${child.pid}-`))
            .map((e) => join(scratch, d, e)),
        );
      } catch {
        return [];
      }
    };
    for (let i = 0; i < 600 && !/Started PostgreSQL/.test(stderr); i++)
      await new Promise((r) => setTimeout(r, 100));
    const [runDir] = runDirs();
    expect(runDir).toBeDefined();
    await new Promise((r) => setTimeout(r, 1500));
    const servers = processesMentioning(runDir!);
    expect(servers.length).toBeGreaterThan(0);

    child.kill('SIGKILL');
    await exited;
    recordOutput('cli check (killed) stderr', stderr);
    const t0 = Date.now();
    while (Date.now() - t0 < 10_000 && (existsSync(runDir!) || processesMentioning(runDir!).length)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = Date.now() - t0;
    console.log(`after SIGKILL of the CLI: server and data directory gone in ${ms} ms`);
    expect(processesMentioning(runDir!)).toEqual([]);
    expect(existsSync(runDir!)).toBe(false);
    expect(runDirs()).toEqual([]);
  } finally {
    child.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  }
});
