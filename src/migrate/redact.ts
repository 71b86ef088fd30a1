const secrets = new Set<string>();

/** Remembers a password so that `redact` removes it from any text (error messages, SQL, logs). */
export function addSecret(secret: string | undefined | null): void {
  if (secret && secret.length >= 3) secrets.add(secret);
}

/** Remembers the password of a connection URL. */
export function addUrlSecret(url: string): void {
  try {
    const password = new URL(url).password;
    if (password) {
      addSecret(password);
      addSecret(decodeURIComponent(password));
    }
  } catch {
    // not a URL: nothing to remember
  }
}

/** Hides passwords: any `scheme://user:password@` and every remembered secret. */
export function redact(text: string): string {
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/\s]*@/gi, '$1:*****@');
  for (const secret of secrets) out = out.split(secret).join('*****');
  return out;
}
