import { beforeSignalExit } from '../../postgres/cleanup.js';
import type { Rehearsal } from './rehearsal.js';
import type { ProductionSession } from './session.js';
import type { CancelReport } from '../../report/contract/production.js';

export type CancelSignal = 'SIGTERM' | 'SIGINT';

/** The exit code of a run stopped by a signal: 128 + its number. */
export const SIGNAL_EXIT: Record<CancelSignal, number> = { SIGTERM: 143, SIGINT: 130 };

/**
 * SIGTERM and SIGINT (a cancelled workflow, Ctrl-C) abort the returned signal before the process
 * ends: the mode then cancels its own statements, waits for their rollback, releases the migration
 * lock and writes its report; `finished()` (or `dispose()`) lets the process exit with 143 or 130.
 * A second signal ends it at once.
 */
export function cancelOnSignals(log: (line: string) => void): {
  signal: AbortSignal;
  received(): CancelSignal | null;
  dispose(): void;
} {
  const controller = new AbortController();
  let received: CancelSignal | null = null;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const off = beforeSignalExit(async (name) => {
    received = name;
    log(
      `Received ${name}: cancelling the running statements, waiting for their rollback, then releasing the lock`,
    );
    controller.abort(name);
    // The mode's report is written before the process ends (bounded: a stuck server must not hold it).
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 60_000).unref())]);
  });
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      finished();
      off();
    },
  };
}

/** What a mode does when its signal is aborted: cancel its statements on production and in the rehearsal. */
export class Cancellation {
  rehearsal: Rehearsal | null = null;
  private cancelling: Promise<{ pids: number[]; settled: boolean }> | null = null;

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly session: ProductionSession,
  ) {
    signal?.addEventListener('abort', () => this.cancel(), { once: true });
  }

  get requested(): boolean {
    return this.signal?.aborted === true;
  }

  private cancel(): void {
    this.cancelling = this.session.cancelRunning();
    void this.rehearsal?.cancelRunning();
  }

  /** Waits for the cancelled statements to roll back; the report's `cancelled` section. */
  async settle(state: string): Promise<CancelReport> {
    const { pids, settled } = (await this.cancelling) ?? { pids: [], settled: true };
    const name = (this.signal?.reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM') as CancelSignal;
    return {
      signal: name,
      cancelledBackends: pids,
      rolledBack: settled,
      message:
        `Cancelled by ${name}. ` +
        (pids.length
          ? `The running statement${pids.length === 1 ? '' : 's'} (backend${pids.length === 1 ? '' : 's'} ${pids.join(', ')}) ` +
            `${settled ? 'were cancelled and rolled back' : 'were cancelled; the rollback was still running when Schemabot stopped waiting'}. `
          : 'Nothing was running on production. ') +
        state,
    };
  }
}
