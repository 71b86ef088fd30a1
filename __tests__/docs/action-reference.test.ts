import { expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../helpers/repo.js';

interface ActionYml {
  inputs: Record<string, { description?: string; default?: unknown }>;
  outputs: Record<string, { description?: string }>;
  runs: { using: string; main: string };
}

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
const action = parse(read('action.yml')) as ActionYml;
const docs = read('docs/action.md');
const WRITTEN_ELSEWHERE = ['docs/security.md', 'docs/rules/'];
/** Every page of docs/ (the workflows live on the page of their use). */
const pages = readdirSync(join(PROJECT_ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => read(`docs/${f}`))
  .join('\n');

test('action.yml is valid YAML that runs dist/index.js on node24, every input and output described', () => {
  expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  for (const [name, spec] of [...Object.entries(action.inputs), ...Object.entries(action.outputs)]) {
    expect([name, typeof spec.description]).toEqual([name, 'string']);
    expect(spec.description!.length).toBeGreaterThan(20);
  }
});

test('action.yml declares exactly the inputs the action reads and the outputs it sets', () => {
  const inputs = read('src/action/inputs.ts');
  const read_ = new Set([
    ...[...inputs.matchAll(/getInput\('([a-z-]+)'\)/g)].map((m) => m[1]!),
    ...[...inputs.matchAll(/oneOf\(\s*'([a-z-]+)'/g)].map((m) => m[1]!),
  ]);
  expect(new Set(Object.keys(action.inputs))).toEqual(read_);
  const set = new Set(
    ['src/action/publish.ts', 'src/action/production.ts'].flatMap((f) =>
      [...read(f).matchAll(/(?:setOutput|\bset)\('([a-z-]+)'/g)].map((m) => m[1]!),
    ),
  );
  expect(new Set(Object.keys(action.outputs))).toEqual(set);
});

test('docs/: every workflow parses, uses only real inputs, and the tables list every input and output', () => {
  const blocks = [...pages.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(5);
  let uses = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const step = node as { uses?: string; with?: Record<string, unknown> };
    if (step.uses === '<owner>/schemabot@v1') {
      uses++;
      for (const key of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
    }
    Object.values(node).forEach(visit);
  };
  for (const block of blocks) visit(parse(block));
  expect(uses).toBeGreaterThanOrEqual(4);
  // The PR-check workflows ask for the permissions the action needs.
  const prCheck = read('docs/pr-check.md');
  expect(prCheck).toContain('permissions:\n  contents: read\n  pull-requests: write\n  statuses: write');
  expect(read('docs/fork-pr-check.md')).toContain('pull_request_target');
  // The production inputs and outputs are documented with the production workflows.
  const tables = docs + read('docs/production.md');
  for (const name of Object.keys(action.inputs))
    expect(tables).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
  for (const name of Object.keys(action.outputs))
    expect(tables).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
});

test('docs/action.md shows the golden comment of the tests, unchanged', () => {
  const sample = /<!-- prettier-ignore-start -->\n\n([\s\S]*)\n<!-- prettier-ignore-end -->/.exec(docs)?.[1];
  expect(sample).toBe(read('__tests__/fixtures/golden/comment.md'));
});

test('the README is short and links every use to the page that holds its workflow', () => {
  const readme = read('README.md');
  expect(Buffer.byteLength(readme)).toBeLessThan(15 * 1024);
  expect(readme.startsWith('# Schemabot\n\n```sh\nnpm ci && npm start ')).toBe(true);
  for (const page of ['pr-check', 'fork-pr-check', 'upgrade', 'rollback', 'status', 'stamp']) {
    expect(readme).toContain(`(docs/${page}.md)`);
    expect(read(`docs/${page}.md`)).toMatch(/```yaml\n# \.github\/workflows\/[a-z-]+\.yml\n/);
  }
  // Every relative link of the README and of docs/ points at a file that exists.
  const links = [
    ...[...readme.matchAll(/\]\(((?:docs\/)?[^)#:]+?)(?:#[^)]*)?\)/g)].map((m) => m[1]!),
    ...readdirSync(join(PROJECT_ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .flatMap((f) =>
        [...read(`docs/${f}`).matchAll(/\]\(([^)#:]+?)(?:#[^)]*)?\)/g)].map((m) => `docs/${m[1]!}`),
      ),
  ];
  const missing = links.filter((l) => {
    try {
      readFileSync(join(PROJECT_ROOT, l.replace(/\/$/, '')));
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code !== 'EISDIR';
    }
  });
  // The security page and the rule pages are written alongside this one; their links are checked once they exist.
  expect(
    missing.filter(
      (l) => !WRITTEN_ELSEWHERE.some((w) => l.startsWith(w)) || existsSync(join(PROJECT_ROOT, l)),
    ),
  ).toEqual([]);
});
