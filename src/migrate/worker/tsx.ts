import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The project's tsx as its two registration entry points (`tsx/esm/api`, `tsx/cjs/api`). */
export interface TsxApis {
  esm: string;
  cjs: string;
}

/**
 * Loads the project's Sequelize and the pg it will use, then registers the project's tsx: once tsx's
 * hooks are in place every `require` goes through them, which makes loading Sequelize's few hundred
 * files cost twice as much, while tsx changes nothing in them. The modules are the ones the project's
 * code gets later (same paths, same cache); a project whose Sequelize cannot be loaded here reports
 * that on `load`, as before. Returns what failed in registering tsx, if anything.
 */
export function registerTsxAfterSequelize(cwd: string, apis: TsxApis): Error | undefined {
  const req = createRequire(join(cwd, 'package.json'));
  try {
    const path = req.resolve('sequelize');
    req(path);
    createRequire(path)('pg');
  } catch {
    /* no Sequelize or pg of its own: the bundled one is used, and loaded without tsx anyway */
  }
  try {
    for (const api of [apis.esm, apis.cjs]) (req(api) as { register: () => unknown }).register();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
