/**
 * Keeps a copy of everything Schemabot wrote during the suite (CLI and action output, reports, job
 * summaries, outputs, request bodies sent to the fake GitHub) in the folder the Jest config names, for
 * the leak check that runs when the suite ends (`leak-check.js`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

let count = 0;

/** Records `text` under `kind` (a few words saying what it is). Does nothing outside the Jest suite. */
export function recordOutput(kind: string, text: string | Buffer | undefined | null): void {
  const dir = process.env.SCHEMABOT_TEST_OUTPUTS;
  if (!dir || text === undefined || text === null || text.length === 0) return;
  mkdirSync(dir, { recursive: true });
  const name = `${process.pid}-${Date.now()}-${++count}-${kind.replace(/[^\w.-]+/g, '_').slice(0, 60)}`;
  writeFileSync(join(dir, name), text);
}

/** Records a file Schemabot wrote (a report), or every file of a folder of them, if it exists. */
export function recordFile(kind: string, path: string | undefined): void {
  if (!path || path === '-' || !existsSync(path)) return;
  if (!statSync(path).isDirectory()) return recordOutput(kind, readFileSync(path));
  for (const entry of readdirSync(path, { recursive: true, encoding: 'utf8' })) {
    const file = join(path, entry);
    if (statSync(file).isFile()) recordOutput(kind, readFileSync(file));
  }
}
