import type { Change } from '../diff/index.js';
import { changeLine } from './format.js';

export function renderDiffTerminal(changes: Change[]): string {
  if (!changes.length) return 'The schemas are identical.\n';
  return (
    changes.map(changeLine).join('\n') +
    `\n\n${changes.length} difference${changes.length === 1 ? '' : 's'}.\n`
  );
}
