import { expect } from '@jest/globals';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { CheckReport } from '../../src/report/contract/check.js';
import { validateReport } from '../../src/report/validate.js';

/**
 * Every report a test produces follows the published schema (docs/report.schema.json): the check,
 * models, generate and diff reports, the production reports and the fork artifact. Fields the schema
 * does not list fail here, so a new field reaches the schema (and its documentation) with the code.
 */
export function expectValidReport(report: unknown): void {
  // As written to a file: fields set to undefined are absent.
  const result = validateReport(JSON.parse(JSON.stringify(report)), { root: 'report' });
  expect(result.problem).toBe('');
}

/** The report at `path` (a report file the CLI or the action wrote), when there is one. */
export function expectValidReportFile(path: string | undefined): void {
  if (!path || !existsSync(path) || !statSync(path).isFile()) return;
  expectValidReport(JSON.parse(readFileSync(path, 'utf8')));
}

/** The report less what may differ between two runs of the same check: timings and the cache's use. */
export function comparable(report: CheckReport): unknown {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (typeof value === 'string') return value.replace(/\d+(\.\d+)? ?ms\b/g, 'N ms');
    if (!value || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'ms' && !k.endsWith('Ms') && k !== 'baseReplay')
        .map(([k, v]) => [k, strip(v)]),
    );
  };
  return strip(report);
}
