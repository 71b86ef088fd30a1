import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { WorkerProcess } from '../../src/migrate/worker-process.js';

const exec = promisify(execFile);

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The Python with Debian's alembic, sqlalchemy and psycopg2 (`.ci/run` installs them). */
export const PYTHON = process.env.SCHEMABOT_TEST_PYTHON ?? '/usr/bin/python3';
export const WORKER = join(PROJECT_ROOT, 'src', 'migrate', 'alembic', 'worker.py');

/** alembic.ini as `alembic init` writes it, reduced: the URL is Schemabot's to set. */
export function alembicIni(url = ''): string {
  return `[alembic]
script_location = migrations
prepend_sys_path = .
sqlalchemy.url = ${url.replace(/%/g, '%%')}

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
`;
}

/** env.py as `alembic init` writes it (online and offline), with an optional `target_metadata`. */
export function envPy(options: { metadata?: string; configure?: string } = {}): string {
  return `from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

${options.metadata ?? 'target_metadata = None'}


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,${options.configure ?? ''}
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,${options.configure ?? ''})
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
`;
}

/** env.py for an async engine (`alembic init -t async`): the migrations run through `run_sync`. */
export function asyncEnvPy(): string {
  return `import asyncio

from sqlalchemy import pool
from sqlalchemy.ext.asyncio import async_engine_from_config

from alembic import context

config = context.config


def run(connection):
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


async def main():
    engine = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    async with engine.connect() as connection:
        await connection.run_sync(run)
    await engine.dispose()


asyncio.run(main())
`;
}

/** True when `python` can import every module named. */
export function pythonHas(python: string, ...modules: string[]): boolean {
  return spawnSync(python, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' }).status === 0;
}

/** A revision file as `alembic revision` writes it. `down` is a parent id, a list (merge) or null. */
export function revision(spec: {
  id: string;
  down: string | string[] | null;
  upgrade: string;
  downgrade: string;
  message?: string;
  dependsOn?: string | null;
  branchLabels?: string | null;
}): string {
  const py = (v: string | string[] | null | undefined): string =>
    v == null ? 'None' : Array.isArray(v) ? `(${v.map((x) => `'${x}'`).join(', ')},)` : `'${v}'`;
  const indent = (body: string): string =>
    body
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n');
  return `"""${spec.message ?? spec.id}

Revision ID: ${spec.id}
Revises: ${Array.isArray(spec.down) ? spec.down.join(', ') : (spec.down ?? '')}
"""
from alembic import op
import sqlalchemy as sa


revision = '${spec.id}'
down_revision = ${py(spec.down)}
branch_labels = ${py(spec.branchLabels)}
depends_on = ${py(spec.dependsOn)}


def upgrade():
${indent(spec.upgrade)}


def downgrade():
${indent(spec.downgrade)}
`;
}

/** A throwaway Alembic project folder: alembic.ini, migrations/env.py, migrations/versions/. */
export class AlembicProject {
  readonly dir: string;

  constructor(files: Record<string, string>, options: { ini?: string; env?: string } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'schemabot-alembic-'));
    this.write({
      'alembic.ini': options.ini ?? alembicIni(),
      'migrations/env.py': options.env ?? envPy(),
      ...files,
    });
    mkdirSync(join(this.dir, 'migrations', 'versions'), { recursive: true });
  }

  write(files: Record<string, string | null>): void {
    for (const [path, text] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (text === null) {
        rmSync(full, { force: true });
        continue;
      }
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    }
  }

  /** Starts the Alembic worker on this project; the project's output is collected in `log`. */
  worker(env: Record<string, string> = {}): WorkerProcess & { log: string[] } {
    const log: string[] = [];
    const w = new WorkerProcess({
      command: PYTHON,
      args: [WORKER],
      cwd: this.dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      log: (line) => log.push(line),
    });
    return Object.assign(w, { log });
  }

  /** Runs Alembic's own command line (`python -m alembic ...`) in the project. */
  async alembic(args: string[], env: Record<string, string> = {}): Promise<string> {
    const { stdout } = await exec(PYTHON, ['-m', 'alembic', ...args], {
      cwd: this.dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    });
    return stdout;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `alembic current`'s revision ids (it prints `id (head)` lines). */
export function currentIds(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((id) => /^[0-9a-z_]+$/i.test(id))
    .sort();
}
