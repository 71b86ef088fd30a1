/**
 * A throwaway server nobody else can enter, and that never outlives the Schemabot that started it.
 */
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from '../../src/postgres/index.js';
import type { LocalPostgres } from '../../src/postgres/local.js';
import { refusal, sysvSegment, sysvSegmentExists } from '../helpers/postgres.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const script = join(here, 'fixtures', 'hold-server.ts');
/** A psql client (any version speaks to these servers), for logging in as another OS user. */
const PSQL = ['/usr/lib/postgresql/15/bin', ...(process.env.PATH ?? '').split(':')]
  .map((d) => join(d, 'psql'))
  .find((p) => existsSync(p));

function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

describe.each([15, 17])('a running local PostgreSQL %i', (major) => {
  let server: LocalPostgres;
  beforeAll(async () => {
    server = (await startPostgres({ provider: 'local', version: major })) as LocalPostgres;
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('refuses a login without the password over TCP and over its socket', async () => {
    const port = server.tcpPort;
    for (const user of ['postgres', 'nobody']) {
      expect(await refusal({ host: '127.0.0.1', port, user, database: 'postgres' })).not.toBe('connected');
      expect(await refusal({ host: server.socketDir, port, user, database: 'postgres' })).not.toBe(
        'connected',
      );
      expect(
        await refusal({ host: '127.0.0.1', port, user, password: 'wrong-password', database: 'postgres' }),
      ).toMatch(/password authentication failed/);
      expect(
        await refusal({
          host: server.socketDir,
          port,
          user,
          password: 'wrong-password',
          database: 'postgres',
        }),
      ).toMatch(/password authentication failed/);
    }
    // The URL it hands out works: it carries the run's password.
    expect(await refusal({ connectionString: server.url() })).toBe('connected');
    const password = new URL(server.url()).password;
    expect(password.length).toBeGreaterThanOrEqual(24);
    expect(
      await refusal({ host: server.socketDir, port, user: 'postgres', password, database: 'postgres' }),
    ).toBe('connected');
  });

  // Another OS user is refused even with the socket at hand: the directory is private to the server's user.
  const asRoot = process.getuid?.() === 0 && PSQL ? test : test.skip;
  asRoot('another OS user cannot reach the socket, and gets no login over TCP', () => {
    const tryAs = (host: string) => {
      try {
        return execFileSync(
          'setpriv',
          [
            '--reuid=nobody',
            '--regid=nogroup',
            '--clear-groups',
            PSQL!,
            '-w',
            '-h',
            host,
            '-p',
            String(server.tcpPort),
            '-U',
            'postgres',
            '-c',
            "COPY (SELECT 1) TO PROGRAM 'true'",
          ],
          { encoding: 'utf8', stdio: 'pipe', env: { PATH: process.env.PATH } },
        );
      } catch (err) {
        return String((err as { stderr?: string }).stderr);
      }
    };
    expect(tryAs('127.0.0.1')).toMatch(/no password supplied|password authentication failed/);
    expect(tryAs(server.socketDir)).toMatch(/Permission denied|No such file/);
  });

  test('keeps its socket in a private 0700 directory and listens on loopback only', async () => {
    expect(statSync(server.socketDir).mode & 0o777).toBe(0o700);
    expect(statSync(server.runDir).mode & 0o777).toBe(0o700);
    const client = new pg.Client({ connectionString: server.url() });
    await client.connect();
    try {
      const settings = await client.query<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings
          WHERE name IN ('listen_addresses', 'unix_socket_directories', 'unix_socket_permissions', 'password_encryption')
          ORDER BY name`,
      );
      expect(Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]))).toEqual({
        listen_addresses: '127.0.0.1',
        password_encryption: 'scram-sha-256',
        unix_socket_directories: server.socketDir,
        unix_socket_permissions: '0700',
      });
      const hba = await client.query<{ type: string; address: string | null; auth_method: string }>(
        'SELECT type, address, auth_method FROM pg_hba_file_rules ORDER BY line_number',
      );
      expect(hba.rows).toEqual([
        { type: 'local', address: null, auth_method: 'scram-sha-256' },
        { type: 'host', address: '127.0.0.1', auth_method: 'scram-sha-256' },
        { type: 'host', address: '0.0.0.0', auth_method: 'reject' },
        { type: 'host', address: '::', auth_method: 'reject' },
      ]);
      const stored = await client.query<{ p: string }>(
        "SELECT rolpassword AS p FROM pg_authid WHERE rolname = 'postgres'",
      );
      expect(stored.rows[0]!.p).toMatch(/^SCRAM-SHA-256\$4096:/);
    } finally {
      await client.end();
    }
  });
});

test('two servers get two different passwords', async () => {
  const a = await startPostgres({ provider: 'local' });
  const b = await startPostgres({ provider: 'local' });
  try {
    expect(new URL(a.url()).password).not.toBe(new URL(b.url()).password);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

interface Held {
  pid: number;
  runDir: string;
}

function hold(): Promise<{ child: ReturnType<typeof spawn>; held: Held }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, 'local'], {
    cwd: root,
    env: { ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) resolve({ child, held: JSON.parse(stdout.split('\n')[0]!) as Held });
    });
    child.on('exit', () => reject(new Error(`fixture exited before starting a server: ${stderr}`)));
  });
}

async function within(ms: number, done: () => boolean): Promise<number> {
  const t0 = Date.now();
  while (!done() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 20));
  return Date.now() - t0;
}

test('SIGKILL of the process that started the server: the server and its files are gone within 10 s', async () => {
  const { child, held } = await hold();
  expect(alive(held.pid)).toBe(true);
  expect(existsSync(held.runDir)).toBe(true);
  child.kill('SIGKILL');
  const ms = await within(10_000, () => !alive(held.pid) && !existsSync(held.runDir));
  console.log(`server and run directory gone ${ms} ms after SIGKILL of their owner`);
  expect(alive(held.pid)).toBe(false);
  expect(existsSync(held.runDir)).toBe(false);
});

test('the next run reaps a server whose owner and supervisor were both killed', async () => {
  // A scratch folder of this test's own: any server start in the shared one (the other test files
  // start many) would reap the orphan before this test's next run could.
  const scratch = mkdtempSync(join(tmpdir(), 'schemabot-reap-'));
  chmodSync(scratch, 0o755);
  const shared = process.env.SCHEMABOT_TMPDIR;
  process.env.SCHEMABOT_TMPDIR = scratch;
  try {
    await reapedByTheNextRun();
  } finally {
    if (shared === undefined) delete process.env.SCHEMABOT_TMPDIR;
    else process.env.SCHEMABOT_TMPDIR = shared;
    rmSync(scratch, { recursive: true, force: true });
  }
});

async function reapedByTheNextRun(): Promise<void> {
  const { child, held } = await hold();
  // Kill the supervisor and its pipe watcher first, then the owner: the server is orphaned for real.
  const parentOf = (pid: number) =>
    Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  const supervisor = parentOf(held.pid);
  const watchers = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== held.pid)
    .filter((d) => {
      try {
        return parentOf(Number(d)) === supervisor;
      } catch {
        return false;
      }
    });
  for (const pid of [...watchers.map(Number), supervisor]) process.kill(pid, 'SIGKILL');
  child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  expect(alive(held.pid)).toBe(true);
  expect(existsSync(held.runDir)).toBe(true);
  // Its System V segment, which a SIGKILL would leave behind.
  const segment = sysvSegment(join(held.runDir, 'data'));
  const segmentExists = () => sysvSegmentExists(segment);
  expect(segmentExists()).toBe(true);
  const logs: string[] = [];
  const next = await startPostgres({ provider: 'local', log: (m) => logs.push(m) });
  try {
    expect(await within(5000, () => !alive(held.pid))).toBeLessThan(5000);
    expect(existsSync(held.runDir)).toBe(false);
    expect(segmentExists()).toBe(false);
    expect(logs.join('\n')).toMatch(/Removed \d+ throwaway PostgreSQL\(s\) left by ended runs/);
  } finally {
    await next.stop();
  }
}
