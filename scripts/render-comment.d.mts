// Types of scripts/render-comment.mjs for the tests that use it.
export declare const GOLDEN_COMMENT: string;
export declare const COMMENT_PNG: string;
export interface SourceTable {
  line: number;
  columns: number;
  rows: { line: number; cells: number }[];
}
export declare function sourceTables(markdown: string): SourceTable[];
export declare function renderComment(
  markdown: string,
  options?: { screenshot?: string; width?: number; height?: number },
): Promise<{ problems: string[]; tables: number; diagrams: number }>;
