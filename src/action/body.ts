import type { CheckReport } from '../report/contract/check.js';
import { fitComment } from '../github/index.js';
import { markdownSections, type MarkdownOptions } from '../report/markdown.js';

/** GitHub refuses a step summary over 1 MiB; keep a little room for what else the step writes. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024 - 4096;

export interface FittedBody {
  body: string;
  /** What had to go: `none`, the SQL, the per-object detail, or sections cut by `fitComment`. */
  trimmed: 'none' | 'sql' | 'detail' | 'sections';
}

const LEFT_OUT: Record<Exclude<FittedBody['trimmed'], 'none'>, string> = {
  sql: 'the SQL each migration ran was left out',
  detail: 'the SQL and the per-object detail of the schema diff were left out',
  sections: 'parts of the report were left out',
};

/** The note that ends a shortened body: what was left out and where the whole report is. */
export function trimNote(
  trimmed: Exclude<FittedBody['trimmed'], 'none'>,
  where: string,
  limit: string,
): string {
  return `_This report was shortened to fit ${limit}: ${LEFT_OUT[trimmed]}. ${where}_`;
}

/**
 * The report as Markdown within `limit` (as `measure` counts it): whole first; then without the SQL;
 * then without per-object detail; then `fitComment` drops whole sections, lowest priority first (the
 * verdict and the findings stay), and cuts what is left if it must.
 */
export function fitReport(
  report: CheckReport,
  options: {
    limit: number;
    measure?: (text: string) => number;
    where: string;
    limitName: string;
    /** Audience, links and `fail-on` for the Markdown (see `MarkdownOptions`). */
    markdown?: Omit<MarkdownOptions, 'detail'>;
  },
): FittedBody {
  const measure = options.measure ?? ((t: string) => t.length);
  const levels: [MarkdownOptions['detail'], FittedBody['trimmed']][] = [
    ['full', 'none'],
    ['no-sql', 'sql'],
    ['compact', 'detail'],
  ];
  for (const [detail, trimmed] of levels) {
    const text = markdownSections(report, { ...options.markdown, detail })
      .map((s) => s.text)
      .join('\n\n');
    const note = trimmed === 'none' ? '' : `\n\n${trimNote(trimmed, options.where, options.limitName)}`;
    const body = `${text}${note}\n`;
    if (measure(body) <= options.limit) return { body, trimmed };
  }
  const sections = markdownSections(report, { ...options.markdown, detail: 'compact' });
  const note = trimNote('sections', options.where, options.limitName);
  let chars = options.limit - 1;
  for (;;) {
    const body = fitComment(sections, chars, note) + '\n';
    const size = measure(body);
    if (size <= options.limit) return { body, trimmed: 'sections' };
    chars = Math.max(1, Math.floor((chars * options.limit) / size) - 64);
  }
}
