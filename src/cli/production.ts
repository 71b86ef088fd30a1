import { type Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { renderProduction } from '../report/production.js';
import type { ProductionReport } from '../report/contract/production.js';
import { runRollback } from '../modes/rollback.js';
import { runStamp } from '../modes/stamp.js';
import { runStatus } from '../modes/status.js';
import { runUpgrade, type DriftPolicy } from '../modes/upgrade.js';
import { parsePostgresUrl, type ProviderChoice } from '../postgres/index.js';
import { redactedJson } from '../shared/secrets.js';
import { COLOUR, PLAIN } from '../report/terminal.js';
import { UsageError } from './errors.js';
import type { RunnerChoice } from '../migrate/alembic/index.js';
import { checkDatabaseUrl, withCaFile } from '../migrate/production/database.js';
import { cancelOnSignals, SIGNAL_EXIT } from '../migrate/production/cancel.js';
import { prepareOutput, writeOutput } from './output.js';

function seconds(allowZero: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
      throw new InvalidArgumentError(`expected a number of seconds${allowZero ? '' : ' greater than 0'}`);
    }
    return Math.round(n * 1000);
  };
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return n;
}

function positiveCount(value: string): number {
  const n = count(value);
  if (n < 1) throw new InvalidArgumentError('expected a whole number, 1 or more');
  return n;
}

function majorVersion(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 10 || n > 99)
    throw new InvalidArgumentError('expected a PostgreSQL major version such as 15');
  return n;
}

interface CommonFlags {
  databaseUrl: string;
  databaseCa?: string;
  cwd: string;
  migrationsPath?: string;
  json?: string;
  runner: RunnerChoice;
  python?: string;
}

interface RehearsalFlags {
  postgres: ProviderChoice;
  postgresVersion?: number;
  postgresUrl?: string;
  postgresImage?: string;
}

interface SafetyFlags {
  lockWait: number;
  lockTimeout: number;
  statementTimeout?: number;
  retries: number;
  retryDelay: number;
  migrationTimeout?: number;
  allowDataLoss?: boolean;
  drift: DriftPolicy;
}

/** The bounds of a read (`status`, `stamp`) among the safety flags. */
type ReadFlags = Pick<SafetyFlags, 'lockTimeout' | 'retries' | 'retryDelay'>;

function common(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--database-url <url>',
      'the database to work on: postgres://USER:PASSWORD@HOST:PORT/DATABASE',
    )
    .option(
      '--database-ca <file>',
      "PEM file of the CA that signed the server's certificate (TLS, verify-full unless the URL sets sslmode)",
    )
    .option('--cwd <dir>', 'project folder (with .sequelizerc or migrations/)', '.')
    .option('--migrations-path <dir>', 'migrations folder (overrides .sequelizerc)')
    .option('--json <file>', 'write the JSON report to FILE ("-" for stdout)')
    .addOption(
      new Option('--runner <runner>', 'sequelize or alembic (auto: alembic when alembic.ini is in --cwd)')
        .choices(['auto', 'sequelize', 'alembic'])
        .default('auto'),
    )
    .option('--python <path>', 'the Python that runs an Alembic project (default: python3 on PATH)');
}

function rehearsalOptions(cmd: Command, what: string): Command {
  return cmd
    .addOption(
      new Option('--postgres <provider>', `where the throwaway PostgreSQL for ${what} comes from`)
        .choices(['auto', 'testcontainers', 'local', 'url'])
        .default('auto'),
    )
    .option(
      '--postgres-version <major>',
      'PostgreSQL major version of the throwaway server (default: the production one when available)',
      majorVersion,
    )
    .option(
      '--postgres-url <url>',
      'an existing server for --postgres url (a throwaway database is created and dropped)',
    )
    .option('--postgres-image <image>', 'container image for --postgres testcontainers');
}

/** An option in seconds, held in milliseconds; its default shown in seconds. */
function secondsOption(flags: string, description: string, defaultSeconds?: number): Option {
  const option = new Option(flags, description).argParser(seconds(defaultSeconds !== undefined));
  return defaultSeconds === undefined ? option : option.default(defaultSeconds * 1000, `${defaultSeconds}`);
}

function lockWaitOption(): Option {
  return secondsOption(
    '--lock-wait <seconds>',
    'how long to wait for another job holding the migration lock',
    60,
  );
}

/**
 * The bounds of the reads of `status` and `stamp`: how long each waits for a lock, and how often it
 * tries again (the flags their messages name when a read gives up).
 */
function readOptions(cmd: Command): Command {
  return cmd
    .addOption(secondsOption('--lock-timeout <seconds>', 'lock_timeout of each read of the database', 5))
    .option('--retries <n>', 'retries of a read whose lock was not granted in time', count, 1)
    .addOption(retryDelayOption());
}

function retryDelayOption(): Option {
  return secondsOption('--retry-delay <seconds>', 'wait before the first retry (doubles each time)', 1);
}

function safetyOptions(cmd: Command): Command {
  return cmd
    .addOption(lockWaitOption())
    .addOption(
      secondsOption('--lock-timeout <seconds>', 'lock_timeout of each migration statement (0: none)', 5),
    )
    .addOption(
      secondsOption(
        '--statement-timeout <seconds>',
        "statement_timeout of each migration statement (default: the server's)",
      ),
    )
    .option('--retries <n>', 'retries of a migration whose lock was not granted in time', count, 3)
    .addOption(retryDelayOption())
    .addOption(
      secondsOption(
        '--migration-timeout <seconds>',
        'how long one migration may run, in the rehearsal and in production (default 600)',
      ),
    )
    .option(
      '--allow-data-loss',
      'run migrations whose statements destroy data (DROP, TRUNCATE, DELETE/UPDATE without WHERE, narrowing type changes) in tables holding rows',
    )
    .addOption(
      new Option('--drift <policy>', 'when the live schema differs from the replayed migrations')
        .choices(['fail', 'warn', 'ignore'])
        .default('fail'),
    );
}

function checkRehearsalFlags(flags: RehearsalFlags): void {
  if (flags.postgres === 'url' && !flags.postgresUrl) {
    throw new UsageError('--postgres url needs --postgres-url postgres://user:password@host:port/database.');
  }
  if (flags.postgresUrl) parsePostgresUrl(flags.postgresUrl, '--postgres-url');
}

/**
 * Adds `status`, `upgrade`, `rollback` and `stamp` (the modes that work on a production database) to
 * the `schemabot` program. Exit codes through `io.exit`: 0 all good, 1 a problem the run was asked to
 * judge; usage and environment errors are thrown (the caller turns them into exit code 2).
 */
export function registerProductionCommands(program: Command, io: { exit(code: number): void }): void {
  const useColour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  // SIGTERM/SIGINT cancel the run's own statements, wait for the rollback, release the lock and
  // still write the report; the exit code then says which signal (143, 130).
  let signals: ReturnType<typeof cancelOnSignals> | undefined;
  const cancellable = () => {
    signals ??= cancelOnSignals(log);
    return { signal: signals.signal, frontEnd: 'cli' as const };
  };
  const finish = (report: ProductionReport, json: string | undefined): void => {
    const text = redactedJson(report);
    const human = renderProduction(report, useColour && json !== '-' ? COLOUR : PLAIN);
    // What the run did is printed first: a report file that cannot be written must not hide it.
    (json === '-' ? process.stderr : process.stdout).write(human);
    let written = true;
    try {
      if (json) writeOutput(json, text, '--json');
    } catch (error) {
      log(`schemabot: ${(error as Error).message}`);
      written = false;
    }
    const received = signals?.received();
    signals?.dispose();
    io.exit(received ? SIGNAL_EXIT[received] : !written ? 2 : report.ok ? 0 : 1);
  };
  // Every production command's options start here: a --json file whose folder cannot be written is
  // refused before anything connects.
  const base = (flags: CommonFlags) => {
    prepareOutput(flags.json, '--json');
    return {
      databaseUrl: withCaFile(checkDatabaseUrl(flags.databaseUrl), flags.databaseCa),
      cwd: resolve(flags.cwd),
      migrationsPath: flags.migrationsPath,
      runner: flags.runner,
      ...(flags.python ? { python: flags.python } : {}),
      log,
    };
  };
  const rehearsal = (flags: RehearsalFlags) => ({
    postgres: flags.postgres,
    postgresVersion: flags.postgresVersion,
    postgresUrl: flags.postgresUrl,
    postgresImage: flags.postgresImage,
  });
  /** The bounds of the reads of `status` and `stamp` (see `readOptions`). */
  const reads = (flags: ReadFlags) => ({
    lockTimeoutMs: flags.lockTimeout,
    retries: flags.retries,
    retryDelayMs: flags.retryDelay,
  });
  const safety = (flags: SafetyFlags) => ({
    ...reads(flags),
    lockWaitMs: flags.lockWait,
    statementTimeoutMs: flags.statementTimeout,
    migrationTimeoutMs: flags.migrationTimeout,
    allowDataLoss: flags.allowDataLoss,
    drift: flags.drift,
  });

  readOptions(
    rehearsalOptions(
      common(
        program
          .command('status')
          .description(
            'Show applied, pending, missing and out-of-order migrations of a database (read-only); --drift also compares its schema with the applied migrations replayed on a throwaway PostgreSQL.',
          ),
      ).option('--drift', 'look for schema changes made outside the migrations'),
      'the drift replay',
    ),
  ).action(async (flags: CommonFlags & RehearsalFlags & ReadFlags & { drift?: boolean }) => {
    checkRehearsalFlags(flags);
    finish(
      await runStatus({
        ...base(flags),
        ...rehearsal(flags),
        ...cancellable(),
        ...reads(flags),
        drift: flags.drift,
      }),
      flags.json,
    );
  });

  safetyOptions(
    rehearsalOptions(
      common(
        program
          .command('upgrade')
          .description(
            'Apply the pending migrations to a database: under an advisory lock, rehearsed first on a throwaway PostgreSQL, each in one transaction with its SequelizeMeta row.',
          ),
      )
        .option(
          '--dry-run',
          'rehearse and print the plan and the SQL of each pending migration; change nothing',
        )
        .option('--allow-out-of-order', 'apply pending migrations that sort before the newest applied one'),
      'the rehearsal',
    ),
  ).action(
    async (
      flags: CommonFlags & RehearsalFlags & SafetyFlags & { dryRun?: boolean; allowOutOfOrder?: boolean },
    ) => {
      checkRehearsalFlags(flags);
      const report = await runUpgrade({
        ...base(flags),
        ...rehearsal(flags),
        ...safety(flags),
        ...cancellable(),
        dryRun: flags.dryRun,
        allowOutOfOrder: flags.allowOutOfOrder,
      });
      finish(report, flags.json);
    },
  );

  safetyOptions(
    rehearsalOptions(
      common(
        program
          .command('rollback')
          .description(
            'Revert applied migrations (--to NAME keeps NAME applied; --steps N reverts the newest N): rehearsed first on a throwaway PostgreSQL, each down in one transaction.',
          ),
      )
        .option('--to <name>', 'revert every migration applied after NAME (NAME stays applied)')
        .option('--steps <n>', 'revert the newest N applied migrations', positiveCount)
        .option('--dry-run', 'rehearse and print the plan and the SQL of each down; change nothing'),
      'the rehearsal',
    ),
  ).action(
    async (
      flags: CommonFlags & RehearsalFlags & SafetyFlags & { to?: string; steps?: number; dryRun?: boolean },
    ) => {
      checkRehearsalFlags(flags);
      if ((flags.to === undefined) === (flags.steps === undefined)) {
        throw new UsageError('rollback needs exactly one of --to NAME or --steps N.');
      }
      const report = await runRollback({
        ...base(flags),
        ...rehearsal(flags),
        ...safety(flags),
        ...cancellable(),
        to: flags.to,
        steps: flags.steps,
        dryRun: flags.dryRun,
      });
      finish(report, flags.json);
    },
  );

  const stamp = common(
    program
      .command('stamp')
      .description(
        'Record migrations as applied without running them (every file up to and including --to), to adopt Schemabot on an existing database.',
      ),
  )
    .requiredOption('--to <name>', 'the newest migration file to mark as applied')
    .addOption(lockWaitOption());
  readOptions(stamp).action(
    async (flags: CommonFlags & { to: string } & ReadFlags & Pick<SafetyFlags, 'lockWait'>) => {
      finish(
        await runStamp({
          ...base(flags),
          ...cancellable(),
          ...reads(flags),
          to: flags.to,
          lockWaitMs: flags.lockWait,
        }),
        flags.json,
      );
    },
  );
}
