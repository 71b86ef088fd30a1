/**
 * The examples of the documentation, read from the Markdown itself: what a reader copies is what the
 * tests run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../helpers/repo.js';

export interface FencedBlock {
  /** The page, relative to the repository (`docs/upgrade.md`). */
  page: string;
  /** The fence's language (`yaml`, `sh`, ...); empty when it has none. */
  lang: string;
  text: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
}

/** The README and every page of docs/. */
export function docPages(): string[] {
  const docs = readdirSync(join(PROJECT_ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** Every fenced code block of a page (``` fences, as GitHub renders them), in order. */
export function fencedBlocks(page: string): FencedBlock[] {
  const lines = readFileSync(join(PROJECT_ROOT, page), 'utf8').split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trimStart().startsWith(fence!); j++) {
      body.push(lines[j]!.startsWith(indent!) ? lines[j]!.slice(indent!.length) : lines[j]!);
    }
    blocks.push({ page, lang: lang!, text: body.join('\n') + '\n', line: i + 1 });
    i = j;
  }
  return blocks;
}
