import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyConfig,
  ConfigError,
  DEFAULT_CONFIG,
  failingFindings,
  loadConfig,
  suppressionsIn,
} from '../../src/assess/config.js';
import { HAZARD_RULES } from '../../src/assess/hazards.js';
import type { Finding } from '../../src/report/contract/check.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'schemabot-config-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(text: string, name = '.schemabot.yml') {
  await writeFile(join(dir, name), text);
  return loadConfig(dir);
}

async function loadError(text: string): Promise<ConfigError> {
  const error = await load(text).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  test('no file: the defaults', async () => {
    expect(await loadConfig(dir)).toEqual(DEFAULT_CONFIG);
  });

  test('severities, off and fail-on', async () => {
    const config = await load(
      [
        'fail-on: warning',
        'rules:',
        '  drop-column: warning',
        '  access-exclusive-lock: off',
        '  irreversible: info',
      ].join('\n'),
    );
    expect(config).toEqual({
      failOn: 'warning',
      rules: { 'drop-column': 'warning', 'access-exclusive-lock': 'off', irreversible: 'info' },
      file: '.schemabot.yml',
    });
  });

  test('.schemabot.yaml is read too; an empty file is the defaults', async () => {
    expect(await load('fail-on: never\n', '.schemabot.yaml')).toMatchObject({ failOn: 'never' });
    await rm(join(dir, '.schemabot.yaml'));
    expect(await load('')).toMatchObject({ failOn: 'error', rules: {} });
  });

  test('an unknown rule names the file, line and the known rules', async () => {
    const e = await loadError('rules:\n  drop-columns: off\n');
    expect(e.file).toBe('.schemabot.yml');
    expect(e.key).toBe('rules.drop-columns');
    expect(e.message).toMatch(
      /^\.schemabot\.yml:2: "rules\.drop-columns" is not a Schemabot rule; known rules: .*drop-column,/,
    );
  });

  test('a bad severity says what is allowed', async () => {
    const e = await loadError('rules:\n  drop-column: fatal\n');
    expect(e.message).toBe(
      '.schemabot.yml:2: "rules.drop-column" must be one of "error", "warning", "info", "off" (got "fatal").',
    );
  });

  test('a bad fail-on says what is allowed', async () => {
    const e = await loadError('fail-on: always\n');
    expect(e.key).toBe('fail-on');
    expect(e.message).toBe(
      '.schemabot.yml:1: "fail-on" must be one of "error", "warning", "info", "never" (got "always").',
    );
  });

  test('unknown top-level keys and invalid YAML are refused', async () => {
    expect((await loadError('rule:\n  drop-column: off\n')).message).toBe(
      '.schemabot.yml:1: unknown key "rule"; allowed keys: "fail-on", "rules", "models", "env", "loader", "config", "baseline", "cache".',
    );
    expect((await loadError('rules: [drop-column\n')).message).toMatch(
      /^\.schemabot\.yml:\d+: not valid YAML: /,
    );
    expect((await loadError('- drop-column\n')).message).toMatch(
      /expected a mapping with the keys "fail-on", "rules"/,
    );
    expect((await loadError('rules:\n  drop-column: off\n  drop-column: info\n')).message).toMatch(
      /not valid YAML/,
    );
  });
});

const engineFinding: Finding = {
  rule: 'irreversible',
  severity: 'error',
  migration: '20260102-drop.js',
  file: 'migrations/20260102-drop.js',
  message: 'down did not restore the schema',
};
const hazard = (rule: keyof typeof HAZARD_RULES, file = 'migrations/20260102-drop.js'): Finding => ({
  rule,
  severity: HAZARD_RULES[rule].severity,
  migration: file.split('/').pop(),
  file,
  line: 3,
  message: rule,
});

describe('applyConfig', () => {
  const source = [
    "'use strict';",
    '// schemabot-ignore: drop-column the column was unused since release 4.2',
    'module.exports = {',
    "  up: (qi) => qi.removeColumn('users', 'legacy'), // schemabot-ignore: irreversible   down cannot bring data back  ",
    '};',
  ].join('\n');
  const sources = new Map([['migrations/20260102-drop.js', source]]);

  test('suppression comments are found with their reason and line', () => {
    expect(suppressionsIn(source)).toEqual([
      { rule: 'drop-column', reason: 'the column was unused since release 4.2', line: 2 },
      { rule: 'irreversible', reason: 'down cannot bring data back', line: 4 },
    ]);
  });

  test('suppressed findings stay, marked with the reason, and no longer fail the check', () => {
    const findings = [
      hazard('drop-column'),
      hazard('drop-column', 'migrations/20260103-other.js'),
      hazard('rename-column'),
      engineFinding,
    ];
    const out = applyConfig(findings, DEFAULT_CONFIG, sources);
    expect(out.map((f) => [f.rule, f.file, f.suppressed?.reason])).toEqual([
      ['drop-column', 'migrations/20260102-drop.js', 'the column was unused since release 4.2'],
      ['drop-column', 'migrations/20260103-other.js', undefined],
      ['rename-column', 'migrations/20260102-drop.js', undefined],
      ['irreversible', 'migrations/20260102-drop.js', 'down cannot bring data back'],
    ]);
    expect(failingFindings(out, DEFAULT_CONFIG).map((f) => f.file)).toEqual(['migrations/20260103-other.js']);
  });

  test('severity overrides and off apply to the engine’s findings too; fail-on moves the line', () => {
    const config = {
      failOn: 'warning' as const,
      rules: { irreversible: 'warning' as const, 'rename-column': 'off' as const },
    };
    const out = applyConfig(
      [engineFinding, hazard('rename-column'), hazard('access-exclusive-lock')],
      config,
      new Map(),
    );
    expect(out.map((f) => [f.rule, f.severity])).toEqual([
      ['irreversible', 'warning'],
      ['access-exclusive-lock', 'info'],
    ]);
    expect(failingFindings(out, config).map((f) => f.rule)).toEqual(['irreversible']);
    expect(failingFindings(out, { ...config, failOn: 'info' })).toHaveLength(2);
    expect(failingFindings(out, { ...config, failOn: 'error' })).toHaveLength(0);
    expect(failingFindings(out, { ...config, failOn: 'never' })).toHaveLength(0);
  });
});

test('docs/hazards.md documents every hazard rule with its default severity', async () => {
  const doc = await readFile(new URL('../../docs/hazards.md', import.meta.url), 'utf8');
  const rows = new Map(
    doc
      .split('\n')
      .map((line) => /^\|\s*`([a-z-]+)`\s*\|\s*(error|warning|info)\s*\|/.exec(line))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
  for (const [rule, { severity }] of Object.entries(HAZARD_RULES))
    expect([rule, rows.get(rule)]).toEqual([rule, severity]);
  expect(rows.get('enum-left-behind')).toBe('error');
  expect(rows.get('irreversible')).toBe('error');
});
