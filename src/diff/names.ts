/**
 * Helpers for names as the snapshot writes them (`quote_ident` form, dot-separated) and for
 * rewriting one name to another inside deparsed SQL when an object turns out to be renamed.
 */

/** Splits `public."a.b".c` into `['public', '"a.b"', 'c']`, respecting double quotes. */
export function splitName(name: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '"') {
      if (quoted && name[i + 1] === '"') {
        current += '""';
        i++;
        continue;
      }
      quoted = !quoted;
      current += ch;
    } else if (ch === '.' && !quoted) {
      parts.push(current);
      current = '';
    } else if (ch === '(' && !quoted) {
      // A function signature: the rest belongs to the last part.
      current += name.slice(i);
      break;
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** The last part of a qualified name (`public.posts.status` → `status`). */
export function localName(name: string): string {
  const parts = splitName(name);
  return parts[parts.length - 1];
}

/** A function's name without its argument list (`public.f(integer)` → `public.f`). */
export function functionBaseName(signature: string): string {
  let quoted = false;
  for (let i = 0; i < signature.length; i++) {
    if (signature[i] === '"') quoted = !quoted;
    else if (signature[i] === '(' && !quoted) return signature.slice(0, i);
  }
  return signature;
}

/** Which table a nested name belongs to (`public.posts.status` → `public.posts`). */
export function parentName(name: string): string {
  const parts = splitName(name);
  return parts.slice(0, -1).join('.');
}

/**
 * `[from, to]` replaces `from` where it stands as a whole name (not inside a longer identifier);
 * `[from, to, 'schema']` replaces it only as the schema part of a qualified name (`from.x`).
 */
export type Replacement = [from: string, to: string, mode?: 'schema'];

const regexCache = new Map<string, RegExp>();

function tokenRegex(token: string, mode: 'schema' | undefined): RegExp {
  const cacheKey = `${mode ?? ''}\u0000${token}`;
  let re = regexCache.get(cacheKey);
  if (!re) {
    const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    re =
      mode === 'schema'
        ? new RegExp(`(?<![\\p{L}\\p{N}_$".])${escaped}(?=\\.)`, 'gu')
        : new RegExp(`(?<![\\p{L}\\p{N}_$"])${escaped}(?![\\p{L}\\p{N}_$"])`, 'gu');
    regexCache.set(cacheKey, re);
  }
  return re;
}

/** Applies the replacements to a string, in order. */
export function replaceInString(text: string, replacements: Replacement[]): string {
  let out = text;
  for (const [from, to, mode] of replacements) {
    if (from === to || !out.includes(from)) continue;
    out = out.replace(tokenRegex(from, mode), () => to);
  }
  return out;
}

/** Deep copy of plain JSON data with tokens replaced in every string and object key. */
export function replaceDeep<T>(value: T, replacements: Replacement[]): T {
  if (replacements.length === 0) return value;
  return walk(value, replacements) as T;
}

function walk(value: unknown, replacements: Replacement[]): unknown {
  if (typeof value === 'string') return replaceInString(value, replacements);
  if (Array.isArray(value)) return value.map((v) => walk(v, replacements));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[replaceInString(k, replacements)] = walk(v, replacements);
    return out;
  }
  return value;
}

/** Structural equality of plain JSON data (object key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let count = 0;
  for (const k in ao) {
    if (!Object.prototype.hasOwnProperty.call(bo, k) || !deepEqual(ao[k], bo[k])) return false;
    count++;
  }
  for (const k in bo) if (Object.prototype.hasOwnProperty.call(bo, k)) count--;
  return count === 0;
}
