import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LoaderSpec } from './settings.js';

/**
 * Where the Sequelize worker's entry is: `worker.js` beside the bundle (`dist/`), or its TypeScript
 * source when Schemabot itself runs from source (then under Schemabot's own tsx). Running from source,
 * `SCHEMABOT_SOURCE_WORKER` may name a `worker.js` built from that source (the test suite names the
 * bundle it builds): plain Node starts it without compiling anything.
 */
function workerEntry(): { script: string; fromSource: boolean } {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'worker.js'), join(here, '..', 'worker.js')]) {
    if (existsSync(candidate)) return { script: candidate, fromSource: false };
  }
  const built = process.env.SCHEMABOT_SOURCE_WORKER;
  if (built && existsSync(built)) return { script: built, fromSource: false };
  const source = join(here, 'worker', 'main.ts');
  if (existsSync(source)) return { script: source, fromSource: true };
  throw new Error(`The migration worker is missing beside ${here}: reinstall Schemabot or rebuild dist/.`);
}

/** The project's tsx, when it has one: the worker then runs under it, as the project's own scripts do. */
function projectTsx(cwd: string): string | undefined {
  try {
    return pathToFileURL(createRequire(join(cwd, 'package.json')).resolve('tsx')).href;
  } catch {
    return undefined;
  }
}

/** The project's tsx registration entry points, when its tsx has them (tsx 4). */
function projectTsxApis(cwd: string): { esm: string; cjs: string } | undefined {
  try {
    const req = createRequire(join(cwd, 'package.json'));
    return { esm: req.resolve('tsx/esm/api'), cjs: req.resolve('tsx/cjs/api') };
  } catch {
    return undefined;
  }
}

/** The worker's young-generation semi-space, in MB (see `sequelizeWorkerArgs`). */
export const WORKER_SEMI_SPACE_MB = 8;

/**
 * The Node arguments that start the Sequelize worker for the project at `cwd`: the project's tsx when
 * it has one (TypeScript and ES-module syntax load as in the project), then the `loader:` settings.
 * Without `loader:` settings, a tsx that offers its registration API is registered by the worker itself
 * once the project's Sequelize has loaded (see `registerTsxAfterSequelize`): the same hooks for every
 * file of the project, 0.15 s sooner.
 */
export function sequelizeWorkerArgs(
  cwd: string,
  loaders: LoaderSpec[],
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string[] {
  const { script, fromSource } = workerEntry();
  const args: string[] = [];
  // A young generation of 8 MB instead of V8's default: a worker that replays 2,000 migrations peaks at
  // about 120 MB instead of 160, as fast (allocation-heavy code is slower by a tenth or so). A size the
  // user sets in NODE_OPTIONS is kept.
  if (!/--max-semi-space-size/.test(nodeOptions)) args.push(`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`);
  const tsx = projectTsx(cwd);
  // Node 20's module.register resolves the CommonJS build's hooks in the wrong folder.
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  const late =
    tsx && !fromSource && loaders.length === 0 && nodeMajor >= 22 ? projectTsxApis(cwd) : undefined;
  if (tsx && !late) args.push('--import', tsx);
  else if (!tsx && fromSource) {
    args.push('--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href);
  }
  for (const loader of loaders) args.push(loader.flag, loader.module);
  args.push(script);
  if (late) args.push(late.esm, late.cjs);
  return args;
}
