import type { ProviderChoice } from '../postgres/index.js';

/** Everything a check needs, whether it came from CLI flags or action inputs. */
export interface CheckOptions {
  cwd: string;
  base?: string;
  migrationsPath?: string;
  postgres: ProviderChoice;
  postgresVersion?: number;
  postgresUrl?: string;
  postgresImage?: string;
  /** Per-migration time limit. */
  timeoutMs?: number;
  /** Progress lines for people. */
  log?: (line: string) => void;
}
