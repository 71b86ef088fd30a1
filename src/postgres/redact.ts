/** Replacement shown wherever a password would have been printed. */
export const MASK = '***';

/**
 * A connection URL fit for messages and logs: the password (if any) replaced by `***`, and a
 * `password=` query parameter (libpq style) masked too. Text that is not a URL is returned with any
 * `user:password@` part masked, so a mistyped URL cannot leak either.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = MASK;
    for (const key of [...u.searchParams.keys()]) {
      if (/^(password|sslpassword)$/i.test(key)) u.searchParams.set(key, MASK);
    }
    return u.toString();
  } catch {
    return url
      .replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, `$1${MASK}@`)
      .replace(/(password=)[^&\s]*/gi, `$1${MASK}`);
  }
}

/**
 * Masks every occurrence of the given secrets, and of any `scheme://user:password@` URL, in free
 * text such as a driver's error message.
 */
export function redactText(text: string, secrets: Array<string | undefined> = []): string {
  let out = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (m) => redactUrl(m));
  for (const secret of secrets) {
    if (!secret) continue;
    out = out.split(secret).join(MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(MASK);
  }
  return out;
}

/** The password of a connection URL (decoded), if it has one. */
export function passwordOf(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}
