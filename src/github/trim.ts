import { COMMENT_BODY_LIMIT } from './comment.js';

export interface CommentSection {
  /** Markdown, joined to the others with a blank line. */
  text: string;
  /** Higher is kept longer; among equal priorities the later section goes first. */
  priority: number;
}

export const DEFAULT_TRIM_NOTE =
  '_This comment was shortened to fit GitHub’s limit. The full report is in the job summary and in the report artifact._';

/**
 * Joins the sections in their order, dropping whole sections (lowest priority first) until the result
 * fits `limit`, and then ends it with `note`. If even the highest-priority section alone is too long it is
 * cut. The result never exceeds `limit` characters.
 */
export function fitComment(
  sections: readonly CommentSection[],
  limit: number = COMMENT_BODY_LIMIT,
  note: string = DEFAULT_TRIM_NOTE,
): string {
  const separator = '\n\n';
  const join = (list: readonly CommentSection[]) =>
    list
      .map((s) => s.text)
      .filter((t) => t.length > 0)
      .join(separator);
  const whole = join(sections);
  if (whole.length <= limit) return whole;

  const tail = separator + note;
  const budget = limit - tail.length;
  if (budget <= 0) return note.slice(0, limit);
  const dropOrder = sections
    .map((section, index) => ({ section, index }))
    .sort((a, b) => a.section.priority - b.section.priority || b.index - a.index);
  const kept = new Set(sections.map((_, index) => index));
  // The joined length is kept as a running sum (text plus one separator per non-empty section beyond
  // the first), so dropping sections costs one subtraction each, not a join of all that is left.
  const present = (i: number) => sections[i]!.text.length > 0;
  let nonEmpty = sections.filter((s) => s.text.length > 0).length;
  let textLength = sections.reduce((sum, s) => sum + s.text.length, 0);
  const joinedLength = () => textLength + Math.max(0, nonEmpty - 1) * separator.length;
  for (const { index } of dropOrder) {
    if (joinedLength() <= budget) break;
    kept.delete(index);
    // Never drop everything: the last one standing is cut below instead.
    if (kept.size === 0) {
      kept.add(index);
      break;
    }
    textLength -= sections[index]!.text.length;
    if (present(index)) nonEmpty--;
  }
  let body = join(sections.filter((_, i) => kept.has(i)));
  if (body.length > budget) {
    const ellipsis = '\n…';
    const fence = '\n```';
    const full = body;
    const cut = (n: number) => {
      const part = full.slice(0, Math.max(0, n));
      // Do not leave half of a surrogate pair at the cut.
      return /[\uD800-\uDBFF]$/.test(part) ? part.slice(0, -1) : part;
    };
    const openFence = (text: string) => (text.match(/^```/gm) ?? []).length % 2 === 1;
    body = cut(budget - ellipsis.length);
    // Close a code block the cut left open, so the note is not swallowed by it.
    if (openFence(body)) {
      body = cut(budget - ellipsis.length - fence.length);
      if (openFence(body)) body += fence;
    }
    body += ellipsis;
  }
  return body + tail;
}
