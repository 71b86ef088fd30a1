import type { Change } from '../../diff/index.js';
import type { Finding, StepReport } from './check.js';

/** The JSON report of `schemabot models` (`schemaVersion: 1`). */
export interface ModelsReport {
  schemaVersion: 1;
  mode: 'models';
  /** False when the models and the migrations disagree or a migration failed (exit code 1). */
  ok: boolean;
  postgres: { version: string; provider: string };
  models: { source: string; tables: number };
  migrations: { applied: number; failed: string | null };
  /** Migrated schema → models' schema: `added` only the models declare, `removed` only the migrations create. */
  changes: Change[];
  findings: Finding[];
  durationMs: number;
}

/** The JSON report of `schemabot generate` (`schemaVersion: 1`). */
export interface GenerateReport {
  schemaVersion: 1;
  mode: 'generate';
  /** A migration was written, it round-trips, and the models show no drift after it (or there was none). */
  ok: boolean;
  postgres: { version: string; provider: string };
  /** The file written, relative to the project; null when there was nothing to write. */
  file: string | null;
  /** The differences the migration covers (migrated schema → models). */
  changes: Change[];
  operations: number;
  /** What needs a person's decision (also TODO comments in the file). */
  todos: string[];
  /** The generated migration run up, down and up again on the migrated schema. */
  proof: GenerateProof | null;
  findings: Finding[];
  durationMs: number;
}

/** A generated migration run up, down and up again on the migrated schema. */
export interface GenerateProof {
  up: StepReport | null;
  down: StepReport | null;
  reup: StepReport | null;
  /** down restored the schema before up. */
  reversible: boolean | null;
  residue: Change[];
  /** Differences between the models and the migrations left after the generated up. */
  remaining: Change[];
}
