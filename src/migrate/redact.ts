/**
 * Secret redaction for the migration runner: a thin view of the process-wide secret registry
 * (`src/shared/secrets.ts`), kept for the modules that import it from here.
 */
import { redact as redactAll, registerSecret, registerUrl } from '../shared/secrets.js';

/** Remembers a password so that `redact` removes it from any text (error messages, SQL, logs). */
export function addSecret(secret: string | undefined | null): void {
  registerSecret(secret);
}

/** Remembers a connection URL and its password (as written, decoded and percent-encoded). */
export function addUrlSecret(url: string): void {
  registerUrl(url);
}

/** The migration runner's mask (its reports and tests have always shown five stars). */
const MIGRATE_MASK = '*****';

/** Hides passwords: every registered secret and anything shaped like `user:password@` or `password=`. */
export function redact(text: string): string {
  return redactAll(text, MIGRATE_MASK);
}
