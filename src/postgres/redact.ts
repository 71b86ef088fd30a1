/**
 * Password masking for connection URLs and messages: a thin view of the process-wide secret registry
 * (`src/shared/secrets.ts`), kept for the modules that import it from here.
 */
import { MASK, passwordInUrl, redactUrl, redactWith } from '../shared/secrets.js';

export { MASK, redactUrl };

/**
 * Masks every registered secret, the given ones (registered too, with their encoded forms), and anything
 * shaped like `user:password@` or `password=` in free text such as a driver's error message.
 */
export function redactText(text: string, secrets: Array<string | undefined> = []): string {
  return redactWith(text, secrets);
}

/** The password of a connection URL (decoded), if it has one. */
export function passwordOf(url: string): string | undefined {
  const p = passwordInUrl(url);
  if (!p) return undefined;
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}
