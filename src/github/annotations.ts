import * as core from '@actions/core';
import type { Finding, Severity } from '../report/contract/check.js';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  level: AnnotationLevel;
  message: string;
  title?: string;
  file?: string;
  startLine?: number;
}

/** GitHub shows at most this many annotations of each level per step. */
export interface AnnotationLimits {
  error: number;
  warning: number;
  notice?: number;
}

const levelOf: Record<Severity, AnnotationLevel> = { error: 'error', warning: 'warning', info: 'notice' };
const rank: Record<AnnotationLevel, number> = { error: 0, warning: 1, notice: 2 };

function toAnnotation(finding: Finding): Annotation {
  const where = finding.migration && !finding.file ? ` (${finding.migration})` : '';
  const fix = finding.fix ? `\nFix: ${finding.fix}` : '';
  // A suppressed finding is acknowledged in the migration file: a notice, never an error.
  const quiet = finding.suppressed ? `\nSuppressed: ${finding.suppressed.reason}` : '';
  return {
    level: finding.suppressed ? 'notice' : levelOf[finding.severity],
    message: `${finding.message}${where}${finding.suppressed ? quiet : fix}`,
    title: `Schemabot: ${finding.rule}`,
    ...(finding.file ? { file: finding.file } : {}),
    ...(finding.file && finding.line && finding.line > 0 ? { startLine: finding.line } : {}),
  };
}

/**
 * The annotations to emit for the findings: errors first, then warnings, then notices (each in the
 * findings' order), at most `limit` of each level, and a final notice counting what was left out.
 */
export function annotations(
  findings: readonly Finding[],
  limit: AnnotationLimits = { error: 10, warning: 10 },
): Annotation[] {
  const all = findings
    .map((finding, index) => ({ annotation: toAnnotation(finding), index }))
    .sort((a, b) => rank[a.annotation.level] - rank[b.annotation.level] || a.index - b.index)
    .map((entry) => entry.annotation);
  const caps: Record<AnnotationLevel, number> = {
    error: limit.error,
    warning: limit.warning,
    notice: limit.notice ?? 10,
  };
  const count = (level: AnnotationLevel) => all.filter((a) => a.level === level).length;
  const dropped = {
    error: Math.max(0, count('error') - caps.error),
    warning: Math.max(0, count('warning') - caps.warning),
    notice: Math.max(0, count('notice') - caps.notice),
  };
  // The summary line is itself a notice: keep a slot for it.
  if (dropped.error + dropped.warning > 0 && dropped.notice === 0 && count('notice') >= caps.notice) {
    dropped.notice = count('notice') - caps.notice + 1;
  }
  const kept: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0 };
  const out: Annotation[] = [];
  for (const annotation of all) {
    const level = annotation.level;
    if (kept[level] < count(level) - dropped[level]) {
      kept[level] += 1;
      out.push(annotation);
    }
  }
  const parts = (['error', 'warning', 'notice'] as const)
    .filter((level) => dropped[level] > 0)
    .map((level) => `${dropped[level]} ${level}${dropped[level] === 1 ? '' : 's'}`);
  if (parts.length > 0) {
    out.push({
      level: 'notice',
      title: 'Schemabot: more findings',
      message: `${parts.join(', ')} not shown as annotations (GitHub shows ${caps.error} errors and ${caps.warning} warnings per step); every finding is in the job summary and the report artifact.`,
    });
  }
  return out;
}

/** Writes the annotations as workflow commands (`::error file=…,line=…,title=…::message`). */
export function emitAnnotations(list: readonly Annotation[]): void {
  for (const a of list) {
    const properties: core.AnnotationProperties = {
      ...(a.title ? { title: a.title } : {}),
      ...(a.file ? { file: a.file } : {}),
      ...(a.startLine ? { startLine: a.startLine } : {}),
    };
    if (a.level === 'error') core.error(a.message, properties);
    else if (a.level === 'warning') core.warning(a.message, properties);
    else core.notice(a.message, properties);
  }
}
