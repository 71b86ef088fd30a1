// Bundles the action (dist/index.js) and the CLI (dist/cli.js) into self-contained ESM that runs
// from a folder without node_modules. Heavy optional parts (testcontainers) become lazy chunks.
import { build } from 'esbuild';
import { chmodSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

// --outdir DIR builds elsewhere (tests run the bundle from a folder without node_modules).
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? process.argv[at + 1] : 'dist';
if (
  process.argv.includes('--if-missing') &&
  existsSync(`${outdir}/cli.js`) &&
  existsSync(`${outdir}/index.js`)
) {
  process.exit(0);
}
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { index: 'src/index.ts', cli: 'src/cli.ts', worker: 'src/migrate/worker/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  chunkNames: 'chunks/[name]-[hash]',
  mainFields: ['module', 'main'],
  conditions: ['node'],
  legalComments: 'none',
  // One version, package.json's, for `schemabot --version`.
  define: { __SCHEMABOT_VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
  logLevel: 'warning',
  // Native and optional modules that a plain Node install may lack; their callers handle absence.
  external: ['pg-native', 'cpu-features', '*.node', 'tsx', 'tsx/*', 'ts-node'],
  banner: {
    // CommonJS code inside the bundle expects require, __filename and __dirname (the WebAssembly
    // SQL parser finds its .wasm file through __dirname).
    js: [
      "import { createRequire as __schemabotCreateRequire } from 'node:module';",
      "import { fileURLToPath as __schemabotFileURLToPath } from 'node:url';",
      'const require = __schemabotCreateRequire(import.meta.url);',
      'const __filename = __schemabotFileURLToPath(import.meta.url);',
      "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
    ].join(' '),
  },
});
// The SQL parser's WebAssembly lives beside the chunk that loads it.
copyFileSync('node_modules/libpg-query/wasm/libpg-query.wasm', `${outdir}/chunks/libpg-query.wasm`);
// The Alembic worker runs with the project's Python, from beside the bundle.
copyFileSync('src/migrate/alembic/worker.py', `${outdir}/alembic-worker.py`);
const cli = `${outdir}/cli.js`;
writeFileSync(cli, '#!/usr/bin/env node\n' + readFileSync(cli, 'utf8'));
chmodSync(cli, 0o755);
