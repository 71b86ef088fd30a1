/**
 * Every started server registers here, so that Ctrl-C, SIGTERM (a cancelled workflow) or a crash
 * never leaves a PostgreSQL process or data directory behind.
 */
interface Disposable {
  stop(): Promise<void>;
  /** Best-effort synchronous cleanup for `process.on('exit')`. */
  killNow(): void;
}

const live = new Set<Disposable>();
/** Work that must finish before a signal ends the process (a production run cancelling its statements). */
const graceful = new Set<(signal: 'SIGINT' | 'SIGTERM') => Promise<void>>();
let installed = false;
let signalCode: number | undefined;

/** 130 or 143 once SIGINT or SIGTERM arrived: the process must end with it, whatever else finishes. */
export function signalExitCode(): number | undefined {
  return signalCode;
}

function install(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    // The work in flight fails once its server is gone and may finish first: the signal's code wins.
    signalCode = code;
    process.exitCode = code;
    // Connections of the work in flight break as their server goes: expected now, not a crash.
    process.on('uncaughtException', () => undefined);
    process.on('unhandledRejection', () => undefined);
    void Promise.allSettled([...graceful].map((fn) => fn(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM')))
      .then(() => Promise.allSettled([...live].map((d) => d.stop())))
      .finally(() => process.exit(code));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const d of live) d.killNow();
  });
}

export function track(d: Disposable): () => void {
  install();
  live.add(d);
  return () => live.delete(d);
}

/**
 * Runs `fn` when SIGINT or SIGTERM arrives, before the servers stop and the process exits (a second
 * signal still ends it at once). Returns the function that unregisters it.
 */
export function beforeSignalExit(fn: (signal: 'SIGINT' | 'SIGTERM') => Promise<void>): () => void {
  install();
  graceful.add(fn);
  return () => graceful.delete(fn);
}
