import { existsSync, readFileSync } from 'node:fs';
import { ENGINE_RULES } from '../../src/assess/config.js';
import { HAZARD_RULES } from '../../src/assess/hazards.js';

/** Every hazard rule has its own file and its own page, and the page says what the code says. */
describe.each(Object.values(HAZARD_RULES))('$name', (rule) => {
  test('has its file and a docs page with what, why, fix and how to suppress', () => {
    expect(existsSync(`src/assess/rules/${rule.name}.ts`)).toBe(true);
    expect(rule.docs).toBe(`docs/rules/${rule.name}.md`);
    const page = readFileSync(rule.docs, 'utf8');
    expect(page.startsWith(`# \`${rule.name}\`\n`)).toBe(true);
    for (const heading of ['## What', '## Why it matters', '## Fix', '## Suppress'])
      expect(page).toContain(`\n${heading}\n`);
    expect(page.replace(/\s+/g, ' ')).toContain(rule.summary);
    expect(page.replace(/\s+/g, ' ')).toContain(rule.fix);
    expect(page).toContain(`// schemabot-ignore: ${rule.name} `);
    expect(page).toContain(rule.optIn ? 'off by default' : `Default severity: \`${rule.severity}\``);
  });

  test('does not take a name the engine uses', () => {
    expect(ENGINE_RULES as readonly string[]).not.toContain(rule.name);
  });
});

test('the name the worker rules will use stays free', () => {
  expect(Object.keys(HAZARD_RULES)).not.toContain('unawaited-work');
});

test('the index page lists every rule with its default', () => {
  const index = readFileSync('docs/rules/README.md', 'utf8');
  for (const rule of Object.values(HAZARD_RULES)) {
    expect(index).toMatch(
      new RegExp(
        `\\| \\[\`${rule.name}\`\\]\\(${rule.name}\\.md\\) +\\| ${rule.optIn ? 'off \\(design rule\\)' : rule.severity} `,
      ),
    );
  }
});
