import type { Rehearsal } from './rehearsal.js';
import type { ProductionSession } from './session.js';
import type { CancelReport } from './types.js';

export type CancelSignal = 'SIGTERM' | 'SIGINT';

/** The exit code of a run stopped by a signal: 128 + its number. */
export const SIGNAL_EXIT: Record<CancelSignal, number> = { SIGTERM: 143, SIGINT: 130 };

/**
 * SIGTERM and SIGINT (a cancelled workflow, Ctrl-C) abort the returned signal instead of killing the
 * process: the mode then cancels its own statements, waits for their rollback, releases the
 * migration lock and writes its report. A second signal exits at once.
 */
export function cancelOnSignals(log: (line: string) => void): {
  signal: AbortSignal;
  received(): CancelSignal | null;
  dispose(): void;
} {
  const controller = new AbortController();
  let received: CancelSignal | null = null;
  const handler = (name: CancelSignal) => () => {
    if (received) process.exit(SIGNAL_EXIT[name]);
    received = name;
    log(
      `Received ${name}: cancelling the running statements, waiting for their rollback, then releasing the lock`,
    );
    controller.abort(name);
  };
  const onTerm = handler('SIGTERM');
  const onInt = handler('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
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
