import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The guard of this process's workers: a small shell, in a process group of its own, that reads the
 * workers' process groups from a pipe only Schemabot holds. Schemabot tells it each worker it starts
 * and each that ends. When the pipe closes with workers still listed — Schemabot killed with SIGKILL in
 * the middle of a step, or ended while a worker was still starting — it waits, looking once a second,
 * until those workers have ended by themselves (then it exits) or as long as a step may take (then it
 * kills what is left of their groups). A worker stuck in a synchronous loop cannot end itself: nothing
 * else would stop it, and it would keep its connections (and, in production, the locks its migration
 * holds). A worker whose event loop runs ends before then: it finishes its step when Schemabot is gone,
 * then exits, and an idle one exits at once.
 *
 * A worker counts as alive only while its number still belongs to the process that was listed (same
 * start time, from /proc, else `ps`), and not as a zombie: once it ends, that number may be another
 * process's.
 */
const GUARD = `
entries=' '
started() {
  st=
  if [ -r "/proc/$1/stat" ]; then
    read -r st < "/proc/$1/stat" 2>/dev/null || st=
    st=\${st##*) }
    set -- $st
    st=\${20:-}
    [ "$1" = Z ] && st=
  else
    st=$(ps -o lstart= -p "$1" 2>/dev/null | tr -d ' :')
  fi
}
without() { keep=' '; for e in $entries; do [ "\${e%%:*}" = "$1" ] || keep="$keep$e "; done; entries=$keep; }
while read -r op group ms; do
  case $op in
    add) without "$group"; started "$group"; [ -n "$st" ] && entries="$entries$group:$ms:$st " ;;
    del) without "$group" ;;
  esac
done
wait_ms=0
for e in $entries; do ms=\${e#*:}; ms=\${ms%%:*}; [ "$ms" -gt "$wait_ms" ] && wait_ms=$ms; done
waited=0
while :; do
  alive=' '
  for e in $entries; do
    started "\${e%%:*}"
    [ -n "$st" ] && [ "$st" = "\${e##*:}" ] && alive="$alive$e "
  done
  entries=$alive
  [ "$entries" = ' ' ] && exit 0
  [ $(( waited * 1000 )) -ge "$wait_ms" ] && break
  sleep 1
  waited=$(( waited + 1 ))
done
for e in $entries; do kill -9 -"\${e%%:*}" 2>/dev/null; done
exit 0
`;

/** How long after Schemabot is gone a worker's group is killed, beyond the time limit of its step. */
export const ORPHAN_MARGIN_MS = 5000;

let guard: ChildProcess | undefined;
let unavailable = process.platform === 'win32';

function send(line: string): void {
  if (unavailable) return;
  if (!guard) {
    try {
      guard = spawn('/bin/sh', ['-c', GUARD, 'schemabot-guard'], {
        stdio: ['pipe', 'ignore', 'ignore'],
        detached: true,
      });
    } catch {
      unavailable = true;
      return;
    }
    guard.on('error', () => {
      unavailable = true;
    });
    guard.stdin!.on('error', () => undefined);
    // Neither the guard nor its pipe keeps Schemabot's process alive.
    guard.unref();
    (guard.stdin as unknown as { unref?: () => void }).unref?.();
  }
  guard.stdin!.write(line + '\n');
}

/** Watches the process group `group` (a worker's) for `stepMs` (its step time limit) plus a margin. */
export function guardWorker(group: number, stepMs: number): void {
  send(`add ${group} ${Math.ceil(stepMs + ORPHAN_MARGIN_MS)}`);
}

/** The worker of `group` ended: nothing to kill for it. */
export function releaseWorker(group: number): void {
  send(`del ${group} 0`);
}
