import { diffSnapshots, type Change } from '../../diff/index.js';
import type { Snapshot } from '../../inspect/index.js';
import type { RollbackReport, UpgradeReport } from '../../report/contract/production.js';
import { DEFAULTS } from './apply.js';
import { Cancellation } from './cancel.js';
import { takeLock, type MigrationLock } from './lock.js';
import type { ProductionOptions, SafetyOptions } from './options.js';
import { elapsed, errorText, ProductionSession, ReadTimeoutError } from './session.js';

/** What a run's body returns when it saw the cancel signal: the run then writes its `cancelled` section. */
export const CANCELLED = Symbol('cancelled');

/** How a run's body ended: null when all went well, else the message that says why it stopped. */
export type Outcome = string | null | typeof CANCELLED;

/**
 * One upgrade or rollback of the production database: its session, the cancel signal, and the
 * migration lock, taken (except in a dry run) before the body runs and released however it ends. The
 * report's `state`, `current`, `error`, `ok` and duration are filled in on every way out: the body's
 * outcome, another job holding the lock, a read that gave up waiting, or a cancellation.
 */
export class ProductionRun implements AsyncDisposable {
  readonly cancel: Cancellation;
  lock: MigrationLock | undefined;

  private constructor(
    readonly session: ProductionSession,
    private readonly options: ProductionOptions & SafetyOptions & { dryRun?: boolean },
    private readonly started: number,
  ) {
    this.cancel = new Cancellation(options.signal, session);
  }

  static async open(
    options: ProductionOptions & SafetyOptions & { dryRun?: boolean },
    applicationName: string,
  ): Promise<ProductionRun> {
    const started = performance.now();
    return new ProductionRun(await ProductionSession.open(options, applicationName), options, started);
  }

  /** Runs `body` under the lock; `cancelledState` says, for people, what a cancellation left. */
  async run<R extends UpgradeReport | RollbackReport>(
    report: R,
    body: () => Promise<Outcome>,
    cancelledState: () => string,
  ): Promise<R> {
    const session = this.session;
    const done = async (error: string | null): Promise<R> => {
      report.error = error;
      try {
        report.state = await session.state();
      } catch (e) {
        report.error ??= errorText(e, session.url);
      }
      if (report.mode === 'upgrade') report.pending.after = report.state.pending;
      report.current = report.state.current;
      report.ok = report.error === null && report.failed === null && !report.cancelled;
      report.durationMs = elapsed(this.started);
      return report;
    };
    const cancelled = async (): Promise<R> => {
      report.cancelled = await this.cancel.settle(cancelledState());
      return done(report.cancelled.message);
    };
    try {
      if (!this.options.dryRun) {
        const taken = await takeLock(session.url, session.project, {
          waitMs: this.options.lockWaitMs ?? DEFAULTS.lockWaitMs,
          log: this.options.log ?? (() => undefined),
        });
        if (taken.busy !== undefined) return await done(taken.busy);
        this.lock = taken.lock;
        report.lock = this.lock.report();
      }
      const outcome = await body();
      return outcome === CANCELLED ? await cancelled() : await done(outcome);
    } catch (error) {
      if (error instanceof ReadTimeoutError) return await done(error.message);
      if (this.cancel.requested) return await cancelled();
      throw error;
    } finally {
      await this.lock?.release();
    }
  }

  /** The live schema's changes since `before`; null (and a log line) when it cannot be read. */
  async changesSince(before: Snapshot): Promise<Change[] | null> {
    try {
      return diffSnapshots(before, await this.session.snapshot());
    } catch (error) {
      this.options.log?.(`Could not read the schema after the run: ${errorText(error, this.session.url)}`);
      return null;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.session.close();
  }
}
