import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * Runs `fn` with `process.env` watched: every variable it reads that is not set is recorded, so a
 * config file that fails for want of one can be explained by name.
 */
export async function recordingUnsetEnv<T>(fn: () => Promise<T> | T): Promise<{ value: T; unset: string[] }> {
  const original = process.env;
  const unset = new Set<string>();
  process.env = new Proxy(original, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (value === undefined && typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
        unset.add(key);
      return value;
    },
  });
  try {
    return { value: await fn(), unset: [...unset] };
  } catch (error) {
    throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
      unsetEnv: [...unset],
    });
  } finally {
    process.env = original;
  }
}

/** The variables recorded on an error thrown through `recordingUnsetEnv`. */
export function unsetEnvOf(error: unknown): string[] {
  const list = (error as { unsetEnv?: unknown } | null)?.unsetEnv;
  return Array.isArray(list) ? (list as string[]) : [];
}

/** What to do about unset variables, as a sentence (empty when there are none). */
export function unsetEnvAdvice(unset: string[]): string {
  if (unset.length === 0) return '';
  const shown = unset.slice(0, 8).join(', ') + (unset.length > 8 ? `, and ${unset.length - 8} more` : '');
  return (
    ` It read these environment variables, which are not set: ${shown}.` +
    " Set them in the step's `env:`, map them to the throwaway database in .schemabot.yml " +
    `(\`env: { ${unset[0]}: "{url}" }\`; placeholders {url} {host} {port} {user} {password} {database}), ` +
    'or run without the config file with `config: none` (the defaults of `sequelize-cli --url` then apply).'
  );
}

const BUILD_FOLDERS = new Set(['build', 'dist', 'out', 'lib', '.build', 'compiled']);

/** When `file` (missing) lies in a build output folder: what creates it, as a sentence; else ''. */
export function buildOutputAdvice(file: string, cwd: string): string {
  const parts = relative(cwd, file).split(sep);
  const folder = parts.slice(0, -1).find((p) => BUILD_FOLDERS.has(p));
  if (!folder) return '';
  let script = '';
  try {
    const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    const name = ['build', 'compile', 'build:ts', 'tsc'].find((n) => pkg.scripts?.[n]);
    if (name) script = ` (\`npm run ${name}\`, which runs \`${pkg.scripts![name]}\`)`;
  } catch {
    // no package.json: the generic advice stands
  }
  const tsconfig = existsSync(join(cwd, 'tsconfig.json')) ? ' or `npx tsc`' : '';
  return (
    ` It is in ${folder}/, a build output: run the project's build${script || tsconfig} in a step before ` +
    'Schemabot, or point the setting at the source file.'
  );
}

/** The package a MODULE_NOT_FOUND error names, when it is a package (not a relative path). */
export function missingPackage(error: unknown): string | undefined {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e?.code !== 'MODULE_NOT_FOUND' && e?.code !== 'ERR_MODULE_NOT_FOUND') return undefined;
  const m = /Cannot find (?:module|package) '([^']+)'/.exec(String(e.message));
  const id = m?.[1];
  if (!id || id.startsWith('.') || id.startsWith('/') || id.startsWith('file:')) return undefined;
  return id;
}

/** The path a MODULE_NOT_FOUND error names, when it is a file of the project. */
export function missingFile(error: unknown): string | undefined {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e?.code !== 'MODULE_NOT_FOUND' && e?.code !== 'ERR_MODULE_NOT_FOUND') return undefined;
  const m = /Cannot find (?:module|package) '([^']+)'/.exec(String(e.message));
  const id = m?.[1];
  return id && (id.startsWith('/') || id.startsWith('.')) ? id : undefined;
}
