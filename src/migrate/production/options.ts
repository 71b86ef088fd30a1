import type { RunnerChoice } from '../alembic/index.js';
import type { ProviderChoice } from '../../postgres/index.js';
import type { FrontEnd } from '../../shared/wording.js';

/** Settings shared by the modes that work on a production database. */
export interface ProductionOptions {
  /** The database to work on (never printed unredacted). */
  databaseUrl: string;
  cwd: string;
  migrationsPath?: string;
  /** Progress lines for people (never contain the password). */
  log?: (line: string) => void;
  /** Which front end runs the mode: messages name its flags (CLI) or inputs (action). */
  frontEnd?: FrontEnd;
  /** Aborted on SIGTERM/SIGINT: the run cancels its statements, writes its report and stops. */
  signal?: AbortSignal;
  /** `--runner` / the runner input (`auto`: Alembic when the project has `alembic.ini`). */
  runner?: RunnerChoice;
  /** `--python` / the python input: the Python that runs an Alembic project. */
  python?: string;
}

/** Where rehearsals (and `status --drift`) get their throwaway PostgreSQL. */
export interface RehearsalServerOptions {
  postgres?: ProviderChoice;
  postgresVersion?: number;
  postgresUrl?: string;
  postgresImage?: string;
  /** Messages name the CLI's flags (default) or the action's inputs. */
  frontEnd?: FrontEnd;
}

/** Advisory lock, timeouts and retries for the modes that change the database. */
export interface SafetyOptions {
  /** How long to wait for another job's advisory lock (ms, default 60 s). */
  lockWaitMs?: number;
  /** `lock_timeout` for each migration statement (ms, default 5 s; 0 disables). */
  lockTimeoutMs?: number;
  /** `statement_timeout` for each migration statement (ms; default: the server's). */
  statementTimeoutMs?: number;
  /** How many times a migration is retried after a lock timeout (default 3). */
  retries?: number;
  /** First wait before a retry (ms, default 1 s; doubles each time). */
  retryDelayMs?: number;
  /** How long one migration may run, in the rehearsal and in production (ms, default 10 minutes). */
  migrationTimeoutMs?: number;
  /** Run migrations whose statements destroy data in tables that hold rows. */
  allowDataLoss?: boolean;
}
