import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { PostgresServer } from '../../src/postgres/index.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { CREATE_USERS, FixtureRepo, migration } from '../helpers/repo.js';
import { OWNER, REPO, actionFolder, removeRunnerTemps, runAction, type RunOptions } from './runner.js';

/**
 * A production database that accepts its deploy role only over TLS (pg_hba `hostnossl … reject`), with a
 * server certificate from a private CA: the production modes must connect with TLS everywhere — pg for the
 * bookkeeping and the project's Sequelize for the migrations — and verify the server against the CA.
 */
const ROLE = 'tls_deployer';
const PASSWORD = `${process.env.SCHEMABOT_PASSWORD_CANARY ?? ''}pw-${Math.random().toString(36).slice(2)}-Tls`;

let postgres: PostgresServer;
let folder: string;
let certs: string;
const repos: FixtureRepo[] = [];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });
}

/** A private CA and a certificate for 127.0.0.1 signed by it (and a second CA that signed nothing). */
function makeCertificates(): void {
  certs = mkdtempSync(join(tmpdir(), 'schemabot-tls-'));
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Schemabot test CA',
  ]);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'other.key',
    '-out',
    'other.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Another CA',
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  writeFileSync(join(certs, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ]);
}

beforeAll(async () => {
  makeCertificates();
  folder = actionFolder();
  postgres = await startTestPostgres();
  const admin = new pg.Client({ connectionString: postgres.url('postgres') });
  await admin.connect();
  try {
    const dataDir = (await admin.query<{ d: string }>('SELECT current_setting($1) AS d', ['data_directory']))
      .rows[0]!.d;
    const hbaFile = (await admin.query<{ f: string }>('SELECT current_setting($1) AS f', ['hba_file']))
      .rows[0]!.f;
    const owner = statSync(dataDir);
    for (const name of ['server.crt', 'server.key']) {
      const target = join(dataDir, name);
      copyFileSync(join(certs, name), target);
      chmodSync(target, 0o600);
      if (process.getuid?.() === 0) chownSync(target, owner.uid, owner.gid);
    }
    // The deploy role may connect only with TLS; the test's own superuser connections stay as they were.
    writeFileSync(hbaFile, `hostnossl all ${ROLE} all reject\n` + readFileSync(hbaFile, 'utf8'));
    await admin.query('ALTER SYSTEM SET ssl = on');
    await admin.query('SELECT pg_reload_conf()');
    await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
  } finally {
    await admin.end();
  }
}, 120_000);

afterAll(async () => {
  await postgres.stop();
  rmSync(folder, { recursive: true, force: true });
  rmSync(certs, { recursive: true, force: true });
  repos.forEach((r) => r.remove());
  removeRunnerTemps();
});

async function production(): Promise<{ name: string; url: string }> {
  const name = await postgres.createDatabase();
  const admin = new pg.Client({ connectionString: postgres.url('postgres') });
  await admin.connect();
  await admin.query(`ALTER DATABASE "${name}" OWNER TO ${ROLE}`);
  await admin.end();
  const url = new URL(postgres.url(name));
  url.username = ROLE;
  url.password = PASSWORD;
  url.hostname = '127.0.0.1';
  return { name, url: url.toString() };
}

async function applied(database: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: postgres.url(database) });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT name FROM "SequelizeMeta" ORDER BY name');
    return rows.map((r) => r.name);
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return [];
    throw err;
  } finally {
    await client.end();
  }
}

const webhooks = createRequire(import.meta.url)('@octokit/webhooks-examples') as {
  name: string;
  examples: Record<string, unknown>[];
}[];

function dispatchEvent(inputs: Record<string, string>): Record<string, unknown> {
  const payload = structuredClone(
    webhooks.find((d) => d.name === 'workflow_dispatch')!.examples.find((e) => e.ref === 'refs/heads/main')!,
  );
  const r = payload.repository as Record<string, unknown> & { owner: Record<string, unknown> };
  Object.assign(r, { name: REPO, full_name: `${OWNER}/${REPO}` });
  r.owner.login = OWNER;
  payload.inputs = inputs;
  return payload;
}

function project(): { repo: FixtureRepo; sha: string } {
  const repo = new FixtureRepo();
  repos.push(repo);
  const sha = repo.commit({
    'migrations/20260101000000-create-users.js': CREATE_USERS,
    'migrations/20260102000000-add-status.js': migration(
      `await queryInterface.addColumn('users', 'status', { type: Sequelize.TEXT });`,
      `await queryInterface.removeColumn('users', 'status');`,
    ),
  });
  return { repo, sha };
}

function run(repo: FixtureRepo, sha: string, inputs: Record<string, string>) {
  return runAction(folder, {
    eventName: 'workflow_dispatch' as RunOptions['eventName'],
    event: dispatchEvent({}),
    workspace: repo.dir,
    sha,
    apiUrl: 'http://127.0.0.1:9',
    inputs: { postgres: 'local', 'require-check': 'false', ...inputs },
  });
}

test('database-ca: upgrade and stamp connect with TLS verified against the CA, Sequelize included', async () => {
  const { repo, sha } = project();
  const db = await production();
  const ca = readFileSync(join(certs, 'ca.pem'), 'utf8');

  // The migrations run through the project's Sequelize: a connection without TLS would be rejected.
  const upgrade = await run(repo, sha, { mode: 'upgrade', 'database-url': db.url, 'database-ca': ca });
  expect(upgrade.code).toBe(0);
  expect(upgrade.outputs['applied-count']).toBe('2');
  expect(await applied(db.name)).toEqual(['20260101000000-create-users.js', '20260102000000-add-status.js']);

  const adopted = await production();
  const stamp = await run(repo, sha, {
    mode: 'stamp',
    'database-url': adopted.url,
    'database-ca': ca,
    to: '20260101000000-create-users.js',
  });
  expect(stamp.code).toBe(0);
  expect(await applied(adopted.name)).toEqual(['20260101000000-create-users.js']);
  for (const r of [upgrade, stamp]) {
    // Only the runner's own ::add-mask:: commands carry the password.
    const visible = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    for (const text of [visible, r.stderr, r.summary]) expect(text).not.toContain(PASSWORD);
  }
});

test('without TLS the server refuses the role, and a CA that did not sign the certificate is refused: nothing is applied', async () => {
  const { repo, sha } = project();
  const db = await production();
  const plain = await run(repo, sha, { mode: 'upgrade', 'database-url': db.url });
  expect(plain.code).toBe(1);
  expect(plain.stdout).toMatch(
    /::error::.*Cannot connect to the database given by --database-url.*no encryption/,
  );

  const wrong = await run(repo, sha, {
    mode: 'upgrade',
    'database-url': db.url,
    'database-ca': readFileSync(join(certs, 'other.pem'), 'utf8'),
  });
  expect(wrong.code).toBe(1);
  expect(wrong.stdout).toMatch(
    /::error::.*Cannot connect to the database given by --database-url.*certificate/,
  );
  expect(await applied(db.name)).toEqual([]);

  const notPem = await run(repo, sha, {
    mode: 'status',
    'database-url': db.url,
    'database-ca': 'not a certificate',
  });
  expect(notPem.code).toBe(1);
  expect(notPem.stdout).toContain('database-ca must be the PEM text of the CA certificate');
});
