import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { Finding } from '../../src/report/contract/check.js';
import { annotations, emitAnnotations } from '../../src/github/annotations.js';

function finding(severity: Finding['severity'], i: number, extra: Partial<Finding> = {}): Finding {
  return {
    rule: `rule-${severity}-${i}`,
    severity,
    migration: `2026010100000${i}-m.js`,
    file: `migrations/2026010100000${i}-m.js`,
    line: i + 1,
    message: `${severity} number ${i}`,
    ...extra,
  };
}

describe('annotations', () => {
  test('most severe first, keeping the findings’ order within a level', () => {
    const list = annotations([
      finding('info', 0),
      finding('warning', 1),
      finding('error', 2),
      finding('warning', 3),
      finding('error', 4),
    ]);
    expect(list.map((a) => `${a.level}:${a.message}`)).toEqual([
      'error:error number 2',
      'error:error number 4',
      'warning:warning number 1',
      'warning:warning number 3',
      'notice:info number 0',
    ]);
    expect(list[0]).toEqual({
      level: 'error',
      message: 'error number 2',
      title: 'Schemabot: rule-error-2',
      file: 'migrations/20260101000002-m.js',
      startLine: 3,
    });
  });

  test('at most 10 errors and 10 warnings, plus a line saying how many were left out', () => {
    const findings = [
      ...Array.from({ length: 13 }, (_, i) => finding('warning', i)),
      ...Array.from({ length: 12 }, (_, i) => finding('error', i)),
      finding('info', 99),
    ];
    const list = annotations(findings);
    const levels = list.map((a) => a.level);
    expect(levels.filter((l) => l === 'error')).toHaveLength(10);
    expect(levels.filter((l) => l === 'warning')).toHaveLength(10);
    expect(levels.slice(0, 10).every((l) => l === 'error')).toBe(true);
    // The first ten of each are the ones kept.
    expect(list.filter((a) => a.level === 'error').map((a) => a.message)).toEqual(
      Array.from({ length: 10 }, (_, i) => `error number ${i}`),
    );
    expect(list.at(-2)?.message).toBe('info number 99');
    expect(list.at(-1)).toMatchObject({ level: 'notice', title: 'Schemabot: more findings' });
    expect(list.at(-1)?.message).toMatch(/^2 errors, 3 warnings not shown as annotations/);
    expect(list.at(-1)?.message).toContain('job summary');
  });

  test('custom limits, and no summary line when nothing was dropped', () => {
    const findings = [finding('error', 1), finding('error', 2), finding('warning', 3)];
    expect(annotations(findings).some((a) => a.title === 'Schemabot: more findings')).toBe(false);
    const list = annotations(findings, { error: 1, warning: 0 });
    expect(list.map((a) => a.level)).toEqual(['error', 'notice']);
    expect(list[1].message).toMatch(/^1 error, 1 warning not shown/);
  });

  test('a notice slot is kept for the summary line', () => {
    const findings = [
      ...Array.from({ length: 11 }, (_, i) => finding('error', i)),
      ...Array.from({ length: 10 }, (_, i) => finding('info', i)),
    ];
    const notices = annotations(findings).filter((a) => a.level === 'notice');
    expect(notices).toHaveLength(10);
    expect(notices.at(-1)?.message).toMatch(/^1 error, 1 notice not shown/);
  });

  test('a finding without a file names its migration, and its fix is included', () => {
    const [a] = annotations([
      {
        rule: 'enum-left-behind',
        severity: 'error',
        migration: '20260101-x.js',
        message: 'down leaves the enum',
        fix: 'DROP TYPE in down',
      },
    ]);
    expect(a).toEqual({
      level: 'error',
      title: 'Schemabot: enum-left-behind',
      message: 'down leaves the enum (20260101-x.js)\nFix: DROP TYPE in down',
    });
  });
});

describe('emitAnnotations', () => {
  let written: string[];
  let original: typeof process.stdout.write;
  beforeEach(() => {
    written = [];
    original = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
  });
  afterEach(() => {
    process.stdout.write = original;
  });

  test('writes one workflow command per annotation, with file, line and title', () => {
    emitAnnotations(
      annotations([
        finding('warning', 1, { message: 'lock: ACCESS EXCLUSIVE\nfor 1.2 s' }),
        finding('error', 2),
        finding('info', 3, { file: undefined, line: undefined }),
      ]),
    );
    process.stdout.write = original;
    expect(written.map((w) => w.trimEnd())).toEqual([
      '::error title=Schemabot%3A rule-error-2,file=migrations/20260101000002-m.js,line=3::error number 2',
      '::warning title=Schemabot%3A rule-warning-1,file=migrations/20260101000001-m.js,line=2::lock: ACCESS EXCLUSIVE%0Afor 1.2 s',
      '::notice title=Schemabot%3A rule-info-3::info number 3 (20260101000003-m.js)',
    ]);
  });
});
