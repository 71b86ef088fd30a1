import { UsageError } from '../shared/errors.js';
import { DEFAULTS } from '../migrate/production/apply.js';
import { takeLock, type MigrationLock } from '../migrate/production/lock.js';
import { elapsed, ProductionSession } from '../migrate/production/session.js';
import { emptyState, revisionAncestors } from '../migrate/production/state.js';
import type { ProductionOptions, SafetyOptions } from '../migrate/production/options.js';
import type { StampReport } from '../report/contract/production.js';

export interface StampOptions
  extends ProductionOptions, Pick<SafetyOptions, 'lockTimeoutMs' | 'retries' | 'retryDelayMs'> {
  /** Mark every migration file up to and including this one as applied. */
  to: string;
  lockWaitMs?: number;
}

/**
 * Alembic's `stamp`: records migrations as applied without running them (adopting Schemabot on a
 * database built some other way). Every migration file up to and including `to` that is not yet
 * recorded gets its meta-table row, in one transaction, under the migration lock.
 */
export async function runStamp(options: StampOptions): Promise<StampReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  await using session = await ProductionSession.open(options, 'schemabot-stamp');
  const index = session.files.findIndex((f) => f.name === options.to);
  if (index < 0) {
    throw new UsageError(
      session.revisions
        ? `--to ${options.to} is not a revision in ${session.project.migrationsDir}: use a full revision id, e.g. ${session.files.at(-1)?.name ?? 'the head'} (alembic heads lists them).`
        : `--to ${options.to} is not a migration file in ${session.project.migrationsDir}: use a file name as it ` +
            `appears there (with its extension), e.g. ${session.files.at(-1)?.name ?? '20260101000000-name.js'}.`,
    );
  }
  const report: StampReport = {
    schemaVersion: 1,
    mode: 'stamp',
    ok: false,
    database: session.database,
    postgres: { version: session.postgres.version },
    to: options.to,
    added: [],
    current: null,
    state: emptyState(),
    lock: null,
    error: null,
    durationMs: 0,
  };
  let lock: MigrationLock | undefined;
  try {
    const taken = await takeLock(session.url, session.project, {
      waitMs: options.lockWaitMs ?? DEFAULTS.lockWaitMs,
      log,
    });
    lock = taken.lock;
    if (lock) report.lock = lock.report();
    else report.error = taken.busy!;
    if (lock) {
      const applied = new Set((await session.state()).applied);
      // Alembic: the revision and every revision it needs (not the other branches' revisions before it).
      const needed = session.revisions ? revisionAncestors(session.revisions, [options.to]) : undefined;
      const add = (
        needed ? session.files.filter((f) => needed.has(f.name)) : session.files.slice(0, index + 1)
      ).filter((f) => !applied.has(f.name));
      if (add.length) {
        const runner = await session.runner();
        try {
          // All of them in one transaction.
          await runner.record(add.map((f) => f.name));
        } finally {
          await runner.close();
        }
      }
      report.added = add.map((f) => f.name);
      log(
        add.length
          ? `Stamped ${add.length} migration(s) as applied`
          : `Nothing to stamp: ${options.to} and everything before it are applied`,
      );
    }
    report.state = await session.state();
    report.current = report.state.current;
    report.ok = report.error === null;
    report.durationMs = elapsed(started);
    return report;
  } finally {
    await lock?.release();
  }
}
