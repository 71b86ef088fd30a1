/** Which front end runs Schemabot: a message names its own knobs (CLI flags or action inputs). */
export type FrontEnd = 'cli' | 'action';

/** `--allow-data-loss` for the CLI, "the input `allow-data-loss`" for the action. */
export function knob(name: string, frontEnd: FrontEnd | undefined): string {
  return frontEnd === 'action' ? `the input \`${name}\`` : `--${name}`;
}

/** A knob with a value: `--postgres local` for the CLI, the input `postgres: local` for the action. */
export function knobValue(name: string, value: string, frontEnd: FrontEnd | undefined): string {
  return frontEnd === 'action' ? `the input \`${name}: ${value}\`` : `--${name} ${value}`;
}

/** PostgreSQL's message with its DETAIL and HINT, which often say what to do (`max_locks_per_transaction`). */
export function withHint(
  error: { message: string; detail?: string; hint?: string } | null | undefined,
): string {
  if (!error) return 'failed';
  const detail = error.detail && !error.message.includes(error.detail) ? ` DETAIL: ${error.detail}` : '';
  const hint = error.hint && !error.message.includes(error.hint) ? ` HINT: ${error.hint}` : '';
  return `${error.message}${detail}${hint}`;
}
