/**
 * Jest global teardown: scans everything the suite recorded (see `outputs.ts`) for the canary that
 * starts every throwaway server's password (`SCHEMABOT_PASSWORD_CANARY`, set in jest.config.js) and
 * fails the suite on any hit, naming the output and where in it.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The files below `dir`, by their path from it (none when it does not exist). */
function filesBelow(dir) {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
      .sort();
  } catch {
    return [];
  }
}

/**
 * Every file below `dir` holding `canary` (outside `::add-mask::` lines): its path from `dir` and the
 * offsets of the hits. Recorded outputs are files of `dir`; the base-state cache also holds kept
 * clusters (a server's whole data directory: its catalog, WAL and settings files).
 */
export function scanForCanary(dir, canary) {
  const names = filesBelow(dir);
  const hits = [];
  for (const name of names) {
    // `::add-mask::` carries the secret to the runner on purpose: the runner never shows that line.
    const text = readFileSync(join(dir, name), 'latin1').replace(/^::add-mask::.*$/gm, '');
    const offsets = [];
    for (let i = text.indexOf(canary); i !== -1; i = text.indexOf(canary, i + 1)) offsets.push(i);
    if (offsets.length) hits.push({ name, offsets });
  }
  return { scanned: names.length, hits };
}

export default function leakCheck() {
  const dir = process.env.SCHEMABOT_TEST_OUTPUTS;
  const canary = process.env.SCHEMABOT_PASSWORD_CANARY;
  if (!dir || !canary) return;
  const found = scanForCanary(dir, canary);
  // The base-state cache the suite's checks filled (jest.config.js): a dump must hold no password either.
  const cache = process.env.SCHEMABOT_TEST_CACHE;
  const cached = cache ? scanForCanary(join(cache, 'schemabot'), canary) : { scanned: 0, hits: [] };
  const scanned = found.scanned + cached.scanned;
  const hits = [
    ...found.hits.map((h) => ({ ...h, path: join(dir, h.name) })),
    ...cached.hits.map((h) => ({ ...h, path: join(cache, 'schemabot', h.name) })),
  ];
  if (hits.length) {
    const list = hits.map((h) => `  ${h.path} at ${h.offsets.slice(0, 5).join(', ')}`).join('\n');
    throw new Error(
      `Leak check: the canary password appears in ${hits.length} of ${scanned} outputs of the suite:\n${list}\n` +
        'Every writer must pass its text through src/shared/secrets.ts (redact).',
    );
  }
  process.stdout.write(
    `\nLeak check: scanned ${scanned} outputs of the suite for the canary password: 0 hits.\n`,
  );
  rmSync(dir, { recursive: true, force: true });
  if (cache) rmSync(cache, { recursive: true, force: true });
}
