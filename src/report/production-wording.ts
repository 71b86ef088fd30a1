import type { FrontEnd } from '../shared/wording.js';

/** "rerun with --allow-data-loss" / "run again with the input `allow-data-loss: true`". */
export function rerunWith(name: string, frontEnd: FrontEnd | undefined, value = 'true'): string {
  return frontEnd === 'action'
    ? `run again with the input \`${name}: ${value}\``
    : `rerun with --${name}${value === 'true' ? '' : ` ${value}`}`;
}
