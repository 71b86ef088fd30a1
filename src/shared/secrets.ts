/**
 * The one registry of secrets for the whole process. Every connection URL Schemabot is given or reads
 * (`--database-url`, `--postgres-url`, `DATABASE_URL`, the `env:` mapping, a config's password) and every
 * password of a throwaway server is registered here; everything Schemabot writes passes through `redact`.
 *
 * A secret is remembered in every form it can appear in: the whole URL, the bare password as written, its
 * decoded form and its percent-encoded form. Text that merely looks like credentials (`user:pass@host`,
 * well-formed URL or not, and `password=...`) is masked even when the secret was never registered.
 */

import { randomBytes } from 'node:crypto';

/** Replacement shown wherever a password would have been printed. */
export const MASK = '***';

/** Shorter values are not masked everywhere: they would erase ordinary words from every message. */
const MIN_LENGTH = 3;

/** Bare secrets (passwords in each of their forms). */
const secrets = new Set<string>();
/** Whole URLs (shown with their credentials masked). */
const urls = new Set<string>();
/** Both, longest first, rebuilt on change: a longer secret must be replaced before any part of it. */
let ordered: { secret: string; url: boolean }[] = [];
const listeners: ((secret: string) => void)[] = [];

function reorder(): void {
  ordered = [
    ...[...urls].map((secret) => ({ secret, url: true })),
    ...[...secrets].map((secret) => ({ secret, url: false })),
  ].sort((a, b) => b.secret.length - a.secret.length);
}

function remember(value: string, url = false): void {
  if (value.length < MIN_LENGTH) return;
  const set = url ? urls : secrets;
  if (set.has(value)) return;
  set.add(value);
  reorder();
  for (const listener of listeners) listener(value);
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Calls `listener` for every secret registered so far and every one registered later (the action passes
 * each to `core.setSecret`, so the runner masks it too).
 */
export function onSecret(listener: (secret: string) => void): void {
  listeners.push(listener);
  for (const { secret } of ordered) listener(secret);
}

/** Registers a password (or token): as written, decoded, and percent-encoded. */
export function registerSecret(value: string | undefined | null): void {
  if (!value) return;
  const plain = decoded(value);
  remember(value);
  remember(plain);
  remember(encodeURIComponent(plain));
  // RFC 3986 also reserves !'()*, which encodeURIComponent leaves as they are.
  remember(
    encodeURIComponent(plain).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  );
}

/**
 * The password part of a connection URL, well-formed or not (`postgres:app:PW@host` has none for the URL
 * parser, yet `PW` is plainly a password), as written in the text.
 */
export function passwordInUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.password) return u.password;
  } catch {
    // not a URL: look for user info below
  }
  // Malformed (`postgres:app:PW@host`, `postgres:/app:PW@host`, `app:PW@host`): the user info runs from
  // after the scheme and its slashes to the last `@` of the authority; the password follows its first `:`.
  const authority = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/*/, '').split(/[/?#\s]/)[0]!;
  const at = authority.lastIndexOf('@');
  if (at > 0) {
    const info = authority.slice(0, at);
    const colon = info.indexOf(':');
    const password = colon === -1 ? (USER_INFO_ONCE.test(url) ? info : undefined) : info.slice(colon + 1);
    if (password) return password;
  }
  const q = /(?:^|[?&\s])(?:ssl)?password=([^&\s'"]+)/i.exec(url);
  return q ? q[1] : undefined;
}

/** Registers a connection URL: the whole URL and its password in every form. */
export function registerUrl(url: string | undefined | null): void {
  if (!url) return;
  const password = passwordInUrl(url);
  if (!password) return; // nothing secret in it
  remember(url, true);
  registerSecret(password);
}

/**
 * Registers `DATABASE_URL`, every other variable of `env` whose value is a URL with a password, and
 * `PGPASSWORD` (libpq's password variable, which the project's code may read).
 */
export function registerEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (name === 'DATABASE_URL' || /^[a-z][a-z0-9+.-]*:/i.test(value)) registerUrl(value);
    if (name === 'PGPASSWORD') registerSecret(value);
  }
}

/**
 * A fresh password for a throwaway server: 24 random bytes, URL-safe (nothing to percent-encode). With
 * `SCHEMABOT_PASSWORD_CANARY=WORD` every one starts with WORD, so that a leak check can search any output
 * for it (Schemabot's own test suite does; so can anyone auditing their logs). Registered as a secret.
 */
export function newPassword(env: NodeJS.ProcessEnv = process.env): string {
  const canary = env.SCHEMABOT_PASSWORD_CANARY ?? '';
  if (!/^[A-Za-z0-9_-]{0,64}$/.test(canary)) {
    throw new Error('SCHEMABOT_PASSWORD_CANARY may hold only letters, digits, _ and - (at most 64).');
  }
  const password = canary + randomBytes(24).toString('base64url');
  registerSecret(password);
  return password;
}

/** Every registered bare secret (for tests and for passing on to a child's masking). */
export function registeredSecrets(): string[] {
  return [...secrets];
}

/**
 * `user:password@` anywhere: the user has no `:`/`/`/`@`, the password runs to the last `@` of the word.
 * The user is matched from where a run of user characters starts (the lookbehind): from inside the run
 * it would reach the same `:` and end the same way, and trying every position of a long word made the
 * time grow with the square of its length (a second for 20,000 characters without an `@`).
 */
const USER_INFO = /(?<![^\s:/?#@'"<>()[\]`])([^\s:/?#@'"<>()[\]`]+):([^\s/'"<>`]+)@/g;
const USER_INFO_ONCE = new RegExp(USER_INFO.source);
const PASSWORD_PARAM = /((?:ssl)?password=)([^&\s'"<>`]+)/gi;

/** Masks anything shaped like credentials, known or not: `user:pass@host` and `password=...`. */
export function maskCredentials(text: string, mask = MASK): string {
  // Without an `@` there is no user info to look for.
  const masked = text.includes('@')
    ? text.replace(USER_INFO, (_m, user: string) => `${user}:${mask}@`)
    : text;
  return masked.replace(PASSWORD_PARAM, (_m, key: string) => `${key}${mask}`);
}

/**
 * A connection URL fit for messages and logs: the password (if any) masked, `password=` parameters
 * masked, everything else as written (a malformed URL stays recognisable without its password).
 */
export function redactUrl(url: string): string {
  return redact(url);
}

/** Hides every registered secret and anything that looks like credentials, each replaced by `mask`. */
export function redact(text: string, mask = MASK): string {
  if (!text) return text;
  let out = text;
  for (const { secret, url } of ordered) {
    if (out.includes(secret)) out = out.split(secret).join(url ? maskCredentials(secret, mask) : mask);
  }
  return maskCredentials(out, mask);
}

/** `redact`, plus the given secrets (and their encoded forms), which are registered too. */
export function redactWith(text: string, extra: Array<string | undefined>): string {
  for (const secret of extra) registerSecret(secret);
  return redact(text);
}

/** Redacts every string inside a JSON-able value (a report), returning a copy. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}

/**
 * A report as its JSON file holds it: redacted value by value (a weak password that is also a word must
 * not rename a field), two-space indented, one trailing newline.
 */
export function redactedJson(report: unknown): string {
  return JSON.stringify(redactDeep(report), null, 2) + '\n';
}

/**
 * Makes everything the process writes to stdout and stderr pass through `redact` (terminal output, error
 * messages, and in the action every workflow command: `::error::`, annotations, logs). Idempotent.
 */
export function redactStandardStreams(): void {
  for (const stream of [process.stdout, process.stderr] as const) {
    const marked = stream as NodeJS.WriteStream & { schemabotRedacted?: boolean };
    if (marked.schemabotRedacted) continue;
    marked.schemabotRedacted = true;
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      // The runner's own masking command carries the secret by design.
      if (typeof chunk === 'string' && chunk.startsWith('::add-mask::')) return write(chunk, ...rest);
      if (typeof chunk === 'string') return write(redact(chunk), ...rest);
      if (chunk instanceof Uint8Array) return write(redact(Buffer.from(chunk).toString('utf8')), ...rest);
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}
