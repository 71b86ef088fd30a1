import type { Change } from '../../diff/index.js';

/** The JSON report of `schemabot diff` (`schemaVersion: 1`). */
export interface DiffResult {
  schemaVersion: 1;
  mode: 'diff';
  from: string;
  to: string;
  changes: Change[];
}
