// Bundles the action (dist/index.js) and the CLI (dist/cli.js) into self-contained ESM that runs
// from a folder without node_modules. Heavy optional parts (testcontainers) become lazy chunks.
import { build } from 'esbuild';
import { existsSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';

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
  entryPoints: { index: 'src/index.ts', cli: 'src/cli.ts' },
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
  logLevel: 'warning',
  // Native and optional modules that a plain Node install may lack; their callers handle absence.
  external: ['pg-native', 'cpu-features', '*.node', 'tsx', 'tsx/*', 'ts-node'],
  banner: {
    js: "import { createRequire as __schemabotCreateRequire } from 'node:module'; const require = __schemabotCreateRequire(import.meta.url);",
  },
});
const cli = `${outdir}/cli.js`;
writeFileSync(cli, '#!/usr/bin/env node\n' + readFileSync(cli, 'utf8'));
chmodSync(cli, 0o755);
