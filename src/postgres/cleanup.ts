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
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    void Promise.allSettled([...live].map((d) => d.stop())).finally(() => process.exit(code));
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
