/** Which front end runs the mode: messages name its own knobs. */
export type FrontEnd = 'cli' | 'action';

/** `--allow-data-loss` for the CLI, "the input `allow-data-loss`" for the action. */
export function knob(name: string, frontEnd: FrontEnd | undefined): string {
  return frontEnd === 'action' ? `the input \`${name}\`` : `--${name}`;
}

/** "rerun with --allow-data-loss" / "run again with the input `allow-data-loss: true`". */
export function rerunWith(name: string, frontEnd: FrontEnd | undefined, value = 'true'): string {
  return frontEnd === 'action'
    ? `run again with the input \`${name}: ${value}\``
    : `rerun with --${name}${value === 'true' ? '' : ` ${value}`}`;
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
