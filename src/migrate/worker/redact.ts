const secrets = new Set<string>();

/** Remembers the password of a connection URL the worker was given (the parent redacts again). */
export function rememberUrlSecret(url: string): void {
  try {
    const password = new URL(url).password;
    if (password.length >= 3) {
      secrets.add(password);
      secrets.add(decodeURIComponent(password));
    }
  } catch {
    // not a URL: nothing to remember
  }
}

/** Hides the remembered passwords and any `scheme://user:password@` in text the worker sends back. */
export function redact(text: string): string {
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/\s]*@/gi, '$1:*****@');
  for (const secret of secrets) out = out.split(secret).join('*****');
  return out;
}
