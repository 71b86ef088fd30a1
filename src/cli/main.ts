import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import type { RunnerChoice } from '../migrate/alembic/index.js';
import { defaultCacheDir } from '../migrate/cache.js';
import { runCheck } from '../modes/check.js';
import { runDiff } from '../modes/diff.js';
import { parsePostgresUrl, type ProviderChoice } from '../postgres/index.js';
import { renderMarkdown } from '../report/markdown.js';
import { COLOUR, PLAIN, renderTerminal } from '../report/terminal.js';
import { renderDiffTerminal } from '../report/diff.js';
import { redact, redactedJson } from '../shared/secrets.js';
import { SCHEMABOT_VERSION } from '../shared/version.js';
import { isEnvironmentError, UsageError } from './errors.js';
import { registerProductionCommands } from './production.js';
import { runModels } from '../modes/models.js';
import { runGenerate } from '../modes/generate.js';
import { renderGenerateTerminal, renderModelsTerminal } from '../report/models.js';
import { prepareOutput, writeOutput } from './output.js';

function majorVersion(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 10 || n > 99)
    throw new InvalidArgumentError('expected a PostgreSQL major version such as 15');
  return n;
}

function positiveMs(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a number of seconds greater than 0');
  return n * 1000;
}

function postgresOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--postgres <provider>', 'where the throwaway PostgreSQL comes from')
        .choices(['auto', 'testcontainers', 'local', 'url'])
        .default('auto'),
    )
    .option('--postgres-version <major>', 'PostgreSQL major version (14-18)', majorVersion)
    .option(
      '--postgres-url <url>',
      'an existing server for --postgres url (a throwaway database is created and dropped)',
    )
    .option(
      '--postgres-image <image>',
      'container image for --postgres testcontainers (default postgres:<major>-alpine)',
    );
}

interface PostgresFlags {
  postgres: ProviderChoice;
  postgresVersion?: number;
  postgresUrl?: string;
  postgresImage?: string;
}

function checkPostgresFlags(flags: PostgresFlags): void {
  if (flags.postgres === 'url' && !flags.postgresUrl) {
    throw new UsageError('--postgres url needs --postgres-url postgres://user:password@host:port/database.');
  }
  if (flags.postgresUrl) parsePostgresUrl(flags.postgresUrl, '--postgres-url');
}

const PYTHON_HELP = 'the Python that runs an Alembic project (default: python3 on PATH)';

function runnerOption(): Option {
  return new Option('--runner <runner>', 'sequelize or alembic (auto: alembic when alembic.ini is in --cwd)')
    .choices(['auto', 'sequelize', 'alembic'])
    .default('auto');
}

export function buildProgram(io: { exit: (code: number) => void }): Command {
  const useColour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const program = new Command('schemabot')
    .description(
      'Proves Sequelize migrations on a throwaway PostgreSQL: up, down, up again, and the schema diff.',
    )
    .version(SCHEMABOT_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride() // before the subcommands, which inherit it: parse errors become exit code 2
    .configureOutput({ outputError: (str, write) => write(str) });

  postgresOptions(
    program
      .command('check')
      .description(
        'Run every new migration up, down and up again on a throwaway PostgreSQL and report what it did.',
      )
      .option('--cwd <dir>', 'project folder (with .sequelizerc or migrations/)', '.')
      .option('--base <ref>', 'git ref of the base branch; without it every migration is new (a full audit)')
      .option('--migrations-path <dir>', 'migrations folder (overrides .sequelizerc)')
      .option('--timeout <seconds>', 'time limit for one migration step', positiveMs)
      .option(
        '--loader <module>',
        'a module Node loads before the project\'s code (tsx, @babel/register, "--import NAME")',
      )
      .option('--json <file>', 'write the JSON report to FILE ("-" for stdout)')
      .option('--markdown <file>', 'write the Markdown report to FILE ("-" for stdout)')
      .option(
        '--cache-dir <dir>',
        "where the base branch's migrated state is kept between runs (default $XDG_CACHE_HOME/schemabot, else ~/.cache/schemabot)",
      )
      .option('--no-cache', 'replay every base migration; keep no base state')
      .addOption(runnerOption())
      .option('--python <path>', PYTHON_HELP)
      .addOption(
        new Option(
          '--models <mode>',
          'models comparison: off; on (only the tables these migrations create); strict (every table)',
        ).choices(['off', 'on', 'strict']),
      ),
  ).action(
    async (
      flags: PostgresFlags & {
        cwd: string;
        base?: string;
        migrationsPath?: string;
        timeout?: number;
        loader?: string;
        json?: string;
        markdown?: string;
        cacheDir?: string;
        cache: boolean;
        runner: RunnerChoice;
        python?: string;
        models?: 'off' | 'on' | 'strict';
      },
    ) => {
      checkPostgresFlags(flags);
      prepareOutput(flags.json, '--json');
      prepareOutput(flags.markdown, '--markdown');
      const toStdout = flags.json === '-' || flags.markdown === '-';
      const report = await runCheck({
        cwd: resolve(flags.cwd),
        base: flags.base,
        migrationsPath: flags.migrationsPath,
        postgres: flags.postgres,
        postgresVersion: flags.postgresVersion,
        postgresUrl: flags.postgresUrl,
        postgresImage: flags.postgresImage,
        timeoutMs: flags.timeout,
        loader: flags.loader,
        runner: flags.runner,
        python: flags.python,
        ...(flags.models ? { modelsMode: flags.models } : {}),
        ...(flags.cache ? { cacheDir: resolve(flags.cacheDir ?? defaultCacheDir()) } : {}),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      const text = renderTerminal(report, useColour && !toStdout ? COLOUR : PLAIN);
      (toStdout ? process.stderr : process.stdout).write(text);
      if (flags.json) writeOutput(flags.json, redactedJson(report), '--json');
      if (flags.markdown) writeOutput(flags.markdown, redact(renderMarkdown(report)), '--markdown');
      io.exit(report.ok ? 0 : 1);
    },
  );

  program
    .command('diff')
    .description('Compare the schemas of two databases (exit 0 when equal, 1 when different).')
    .argument('<from-url>', 'connection URL of the database before')
    .argument('<to-url>', 'connection URL of the database after')
    .option('--json <file>', 'write the changes as JSON to FILE ("-" for stdout)')
    .option(
      '--meta-table <name>',
      'the applied-migrations table to leave out, as TABLE or SCHEMA.TABLE (default: SequelizeMeta, SequelizeData and alembic_version in public)',
    )
    .action(async (fromUrl: string, toUrl: string, flags: { json?: string; metaTable?: string }) => {
      parsePostgresUrl(fromUrl, 'FROM_URL');
      parsePostgresUrl(toUrl, 'TO_URL');
      prepareOutput(flags.json, '--json');
      const meta = flags.metaTable?.split('.');
      const result = await runDiff(
        fromUrl,
        toUrl,
        meta
          ? [
              meta.length > 1
                ? { schema: meta[0]!, name: meta.slice(1).join('.') }
                : { schema: 'public', name: meta[0]! },
            ]
          : undefined,
      );
      (flags.json === '-' ? process.stderr : process.stdout).write(renderDiffTerminal(result.changes));
      if (flags.json) writeOutput(flags.json, redactedJson(result), '--json');
      io.exit(result.changes.length ? 1 : 0);
    });

  interface ModelsFlags extends PostgresFlags {
    cwd: string;
    migrationsPath?: string;
    models?: string;
    timeout?: number;
    loader?: string;
    json?: string;
    runner: RunnerChoice;
    python?: string;
  }
  const modelsCommand = (cmd: Command): Command =>
    postgresOptions(
      cmd
        .option('--cwd <dir>', 'project folder (with .sequelizerc or migrations/)', '.')
        .option('--migrations-path <dir>', 'migrations folder (overrides .sequelizerc)')
        .option(
          '--models <path>',
          'module exporting your Sequelize instance, or the models folder (default: .schemabot.yml "models", else .sequelizerc "models-path")',
        )
        .option('--timeout <seconds>', 'time limit for one migration step', positiveMs)
        .option(
          '--loader <module>',
          'a module Node loads before the project\'s code (tsx, @babel/register, "--import NAME")',
        )
        .option('--json <file>', 'write the JSON report to FILE ("-" for stdout)')
        .addOption(runnerOption())
        .option('--python <path>', PYTHON_HELP),
    );
  const modelsRequest = (flags: ModelsFlags) => {
    checkPostgresFlags(flags);
    return {
      cwd: resolve(flags.cwd),
      migrationsPath: flags.migrationsPath,
      models: flags.models,
      postgres: flags.postgres,
      postgresVersion: flags.postgresVersion,
      postgresUrl: flags.postgresUrl,
      postgresImage: flags.postgresImage,
      timeoutMs: flags.timeout,
      loader: flags.loader,
      runner: flags.runner,
      python: flags.python,
      log: (line: string) => process.stderr.write(`${line}\n`),
    };
  };

  modelsCommand(
    program
      .command('models')
      .description(
        "Compare the models with the migrations (Alembic's check): sync the models into one throwaway database, migrate another, diff (exit 1 on drift).",
      ),
  ).action(async (flags: ModelsFlags) => {
    prepareOutput(flags.json, '--json');
    const report = await runModels(modelsRequest(flags));
    const toStdout = flags.json === '-';
    (toStdout ? process.stderr : process.stdout).write(
      renderModelsTerminal(report, useColour && !toStdout ? COLOUR : PLAIN),
    );
    if (flags.json) writeOutput(flags.json, redactedJson(report), '--json');
    io.exit(report.ok ? 0 : 1);
  });

  modelsCommand(
    program
      .command('generate')
      .description(
        'Write a migration from the difference between the models and the migrations (autogenerate), then prove it: up, down, up, and no drift left.',
      )
      .argument(
        '<name>',
        'the migration name after the timestamp (Alembic: the revision message), e.g. add-status-to-posts',
      )
      .option('--keep-unproven', 'keep the written migration even when its proof (up, down, up) fails'),
  ).action(async (name: string, flags: ModelsFlags & { keepUnproven?: boolean }) => {
    prepareOutput(flags.json, '--json');
    const report = await runGenerate({
      ...modelsRequest(flags),
      name,
      ...(flags.keepUnproven ? { keepUnproven: true } : {}),
    });
    const toStdout = flags.json === '-';
    (toStdout ? process.stderr : process.stdout).write(
      renderGenerateTerminal(report, useColour && !toStdout ? COLOUR : PLAIN),
    );
    if (flags.json) writeOutput(flags.json, redactedJson(report), '--json');
    io.exit(report.ok ? 0 : 1);
  });

  registerProductionCommands(program, io);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram({ exit: (c) => (code = c) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every parsing problem is a usage error.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isEnvironmentError(err)) {
      process.stderr.write(`schemabot: ${(err as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`schemabot: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return 2;
  }
}
