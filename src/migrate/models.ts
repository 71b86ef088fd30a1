import { EnvironmentError } from '../shared/errors.js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { quoteIdent } from '../postgres/admin.js';
import type { DeclaredTable, ModelsEntry, ProjectInfo } from './protocol.js';
import type { Workspace } from './workspace.js';

export type { DeclaredTable, ModelsEntry };

/** What the comparison needs to know of one model beyond what its table looks like. */
export interface ModelTable {
  /** The model's name (`Post`). */
  model: string;
  /** Schema-qualified table name in `quote_ident` form (`public.posts`), as snapshots write it. */
  table: string;
  /** Columns whose default Sequelize fills in itself (NOW, UUIDV4, functions, timestamps): no DB default. */
  clientDefaults: string[];
}

/** The models cannot be found or loaded: names the file and what to do (exit code 2). */
export class ModelsError extends EnvironmentError {
  readonly file?: string;
  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelsError';
    this.file = options.file;
  }
}

const MODULE_EXTENSIONS = ['.js', '.cjs', '.mjs', '.ts', '.cts'];
const MODEL_FILE = /^[^.].*\.(c?js|mjs|c?ts)$/;

/**
 * Finds the project's models: `explicit` (a module or folder, relative to the project) when given,
 * else `models-path` from `.sequelizerc` (default `models/`): its `index` loader when it has one,
 * else the folder's model files. Null when the project has no models. Reads the folder only: the
 * models' code runs in the worker.
 */
export function findModels(
  project: Pick<ProjectInfo, 'cwd' | 'modelsDir'>,
  explicit?: string,
): ModelsEntry | null {
  if (explicit) {
    const path = resolve(project.cwd, explicit);
    if (!existsSync(path)) {
      throw new ModelsError(
        `Models not found: ${relative(project.cwd, path) || path} does not exist. Point the models setting at ` +
          'a module exporting your Sequelize instance (for example models/index.js) or at your models folder.',
        { file: path },
      );
    }
    return statSync(path).isDirectory() ? entryInFolder(path) : { kind: 'module', path };
  }
  const dir = project.modelsDir;
  if (!dir || !existsSync(dir) || !statSync(dir).isDirectory()) return null;
  return entryInFolder(dir);
}

/** How reports name the models: the entry's path in the project (`.` for the project folder itself). */
export function modelsSource(project: Pick<ProjectInfo, 'cwd'>, entry: ModelsEntry): string {
  return relative(project.cwd, entry.path) || '.';
}

function entryInFolder(dir: string): ModelsEntry | null {
  for (const ext of MODULE_EXTENSIONS) {
    const index = join(dir, `index${ext}`);
    if (existsSync(index)) return { kind: 'module', path: index };
  }
  const files = readdirSync(dir).filter(
    (f) => MODEL_FILE.test(f) && !/\.d\.c?ts$/.test(f) && !/^index\.[cm]?[jt]s$/.test(f),
  );
  return files.length ? { kind: 'folder', path: dir } : null;
}

/** What the models' sync needs first: the schemas and extensions the migrations create. */
export interface SyncPrerequisites {
  schemas: string[];
  extensions: { name: string; schema: string }[];
}

/**
 * Syncs the models into the workspace's database: the tables the models declare, as the ORM names
 * them. The schemas and extensions the migrations create are created first: models can live in them
 * but cannot create them.
 */
export async function syncModels(
  ws: Workspace,
  entry: ModelsEntry,
  needs: SyncPrerequisites,
): Promise<DeclaredTable[]> {
  for (const schema of needs.schemas) {
    if (schema !== 'public') await ws.client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  }
  for (const ext of needs.extensions) {
    await ws.client.query(`CREATE EXTENSION IF NOT EXISTS ${quoteIdent(ext.name)} WITH SCHEMA ${ext.schema}`);
  }
  // The models' code runs in the workspace's worker, pointed at this database.
  return ws.runner.syncModels(entry);
}
