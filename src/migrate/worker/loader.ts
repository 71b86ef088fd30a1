import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isEsmSyntaxError } from './project.js';

/** A migration function: `(queryInterface, Sequelize) => Promise<unknown>`. */
export type MigrationFunction = (...params: unknown[]) => unknown;

/** A loaded migration module and the functions umzug would call. */
export interface LoadedMigration {
  module: unknown;
  up?: MigrationFunction;
  down?: MigrationFunction;
}

/** A migration file that cannot be loaded (syntax error, missing module, no TypeScript loader). */
export class MigrationLoadError extends Error {
  readonly file: string;
  readonly line?: number;
  constructor(message: string, file: string, line: number | undefined, cause?: unknown) {
    super(message, { cause });
    this.name = 'MigrationLoadError';
    this.file = file;
    this.line = line;
  }
}

/** Modification stamps of files already loaded in this process, so an edited file is loaded afresh. */
const loadedStamps = new Map<string, string>();

function stampOf(file: string): string {
  const st = statSync(file);
  return `${st.mtimeMs}-${st.size}`;
}

/** True when `file` changed since this process last loaded it (and records the new stamp). */
function changedSinceLastLoad(file: string): boolean {
  const stamp = stampOf(file);
  const previous = loadedStamps.get(file);
  loadedStamps.set(file, stamp);
  return previous !== undefined && previous !== stamp;
}

/** The nearest package.json `type`, which decides how Node treats `.js` and `.ts`. */
export function packageType(file: string): 'module' | 'commonjs' {
  let dir = dirname(file);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module'
          ? 'module'
          : 'commonjs';
      } catch {
        return 'commonjs';
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return 'commonjs';
    dir = parent;
  }
}

let freshLoads = 0;

async function importEsm(file: string, fresh = false): Promise<unknown> {
  const url = pathToFileURL(file);
  if (changedSinceLastLoad(file)) url.search = `?v=${encodeURIComponent(stampOf(file))}`;
  if (fresh) url.search = `?load=${++freshLoads}`;
  return import(url.href);
}

function requireCjs(file: string): unknown {
  const req = createRequire(file);
  if (changedSinceLastLoad(file)) delete req.cache[file];
  return req(file);
}

interface TsxCjsApi {
  require: (id: string, fromFile: string) => unknown;
}
interface TsxEsmApi {
  tsImport: (specifier: string, options: { parentURL: string }) => Promise<unknown>;
}
interface TsNode {
  register: (options: { transpileOnly: boolean }) => unknown;
}

let tsNodeRegistered = false;

/** Loads a `.ts`/`.cts` migration with the project's own TypeScript loader: tsx, else ts-node. */
async function importTypeScript(file: string, projectRoot: string): Promise<unknown> {
  const fromProject = createRequire(join(projectRoot, 'package.json'));
  const has = (id: string): boolean => {
    try {
      fromProject.resolve(id);
      return true;
    } catch {
      return false;
    }
  };
  if (has('tsx/cjs/api')) {
    const esm = file.endsWith('.ts') && packageType(file) === 'module';
    if (!esm) {
      const tsx = fromProject('tsx/cjs/api') as TsxCjsApi;
      try {
        return tsx.require(file, file);
      } catch (error) {
        if (!isEsmSyntaxError(error)) throw error;
      }
    }
    const tsx = fromProject('tsx/esm/api') as TsxEsmApi;
    return tsx.tsImport(pathToFileURL(file).href, { parentURL: pathToFileURL(file).href });
  }
  if (has('ts-node')) {
    if (!tsNodeRegistered) {
      (fromProject('ts-node') as TsNode).register({ transpileOnly: true });
      tsNodeRegistered = true;
    }
    return requireCjs(file);
  }
  throw new MigrationLoadError(
    `TypeScript migration ${file} needs a TypeScript loader installed in the project: run \`npm i -D tsx\` ` +
      '(ts-node works too).',
    file,
    undefined,
  );
}

/** The line of a SyntaxError, from the `file:line` Node writes above the offending source line. */
function syntaxErrorLine(error: unknown, file: string): number | undefined {
  const stack = (error as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return undefined;
  const url = pathToFileURL(file).href;
  // Node puts `file:line` on a line of its own (first, or after a loader's preamble).
  for (const line of stack.split('\n')) {
    for (const prefix of [file, url]) {
      if (line.startsWith(prefix + ':')) {
        const n = Number(/^:(\d+)$/.exec(line.slice(prefix.length))?.[1]);
        if (Number.isInteger(n) && n > 0) return n;
      }
    }
  }
  // tsx/esbuild report "file:line:col: ERROR: ..." in the message.
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') {
    const m = /:(\d+):\d+: ERROR:/.exec(message);
    if (m) return Number(m[1]);
  }
  return undefined;
}

function firstFrameIn(error: unknown, file: string): number | undefined {
  const stack = (error as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return undefined;
  for (const prefix of [file, pathToFileURL(file).href]) {
    const at = stack.indexOf(prefix + ':');
    if (at >= 0) {
      const n = Number(/^:(\d+)/.exec(stack.slice(at + prefix.length))?.[1]);
      if (Number.isInteger(n) && n > 0) return n;
    }
  }
  return undefined;
}

function explainLoadError(error: unknown, file: string): MigrationLoadError {
  if (error instanceof MigrationLoadError) return error;
  const e = error as { name?: unknown; message?: unknown; code?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0]! : String(error);
  if (e?.name === 'SyntaxError' || /Transform failed|ERROR: /.test(message)) {
    const line = syntaxErrorLine(error, file);
    return new MigrationLoadError(
      `Syntax error in ${file}${line ? ` at line ${line}` : ''}: ${message}. Fix the syntax and run again.`,
      file,
      line,
      error,
    );
  }
  if (e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND') {
    return new MigrationLoadError(
      `${file} requires a module that cannot be found: ${message}. Install the package or fix the path.`,
      file,
      firstFrameIn(error, file),
      error,
    );
  }
  return new MigrationLoadError(
    `${file} failed while loading: ${message}. Fix the code that runs when the file is loaded.`,
    file,
    firstFrameIn(error, file),
    error,
  );
}

type Fn = MigrationFunction | undefined;

function pick(module: unknown, method: 'up' | 'down'): Fn {
  // umzug 2: `migration.default[method] || migration[method]` when there is a default export.
  const m = module as Record<string, unknown> | null;
  if (!m || (typeof m !== 'object' && typeof m !== 'function')) return undefined;
  const dflt = m.default as Record<string, unknown> | undefined;
  const fromDefault =
    dflt && (typeof dflt === 'object' || typeof dflt === 'function') ? dflt[method] : undefined;
  const value = fromDefault ?? m[method];
  return typeof value === 'function' ? (value as MigrationFunction) : undefined;
}

/**
 * Loads a module of the project like umzug 2 loads a migration (`require`), extended to ES modules
 * (`.mjs`, `.js` in `"type": "module"` packages or with ESM syntax) and TypeScript through the
 * project's tsx or ts-node. Errors name the file and the line where Node found the problem.
 */
export async function loadProjectModule(
  file: string,
  projectRoot: string,
  options: { fresh?: boolean } = {},
): Promise<unknown> {
  // A fresh load runs the module's code again (a models loader builds a new Sequelize each time).
  if (options.fresh) forgetProjectModules(projectRoot);
  try {
    if (file.endsWith('.mjs')) return await importEsm(file, options.fresh);
    if (file.endsWith('.ts') || file.endsWith('.cts')) return await importTypeScript(file, projectRoot);
    if (file.endsWith('.js') && packageType(file) === 'module') return await importEsm(file, options.fresh);
    try {
      return requireCjs(file);
    } catch (error) {
      if (!isEsmSyntaxError(error) || file.endsWith('.cjs')) throw error;
      return await importEsm(file, options.fresh);
    }
  } catch (error) {
    throw explainLoadError(error, file);
  }
}

/** Drops the project's own CommonJS modules (not its packages) from Node's module cache. */
function forgetProjectModules(projectRoot: string): void {
  const cache = createRequire(join(projectRoot, 'package.json')).cache;
  const root = projectRoot.endsWith(sep) ? projectRoot : projectRoot + sep;
  for (const key of Object.keys(cache)) {
    if (key.startsWith(root) && !key.includes(`${sep}node_modules${sep}`)) delete cache[key];
  }
}

/** Loads a migration and picks the `up` and `down` umzug would call. */
export async function loadMigration(file: string, projectRoot: string): Promise<LoadedMigration> {
  const module = await loadProjectModule(file, projectRoot);
  return { module, up: pick(module, 'up'), down: pick(module, 'down') };
}
