import { EnvironmentError } from '../shared/errors.js';
/** The ways Schemabot can get a throwaway PostgreSQL. `auto` picks the first that works. */
export type ProviderKind = 'testcontainers' | 'local' | 'url';
export type ProviderChoice = ProviderKind | 'auto';

export interface PostgresRequest {
  provider: ProviderChoice;
  /** Major version wanted (14–18); undefined lets the provider choose. */
  version?: number;
  /** Existing server for the `url` provider. */
  url?: string;
  /** Image for the `testcontainers` provider (default `postgres:<major>-alpine`). */
  image?: string;
  /** Progress messages for people (never contains a password). */
  log?: (message: string) => void;
}

/**
 * A started PostgreSQL that owns its cleanup. Every database Schemabot creates goes through
 * `createDatabase` and is dropped by `stop()` (for `url`, nothing else on the server is touched).
 */
export interface PostgresServer extends AsyncDisposable {
  readonly provider: ProviderKind;
  /** `server_version` without the distributor suffix, e.g. "15.18". */
  readonly version: string;
  readonly major: number;
  /** Connection URL for a database on this server (default: the maintenance database). */
  url(database?: string): string;
  /** Creates a database (optionally as a copy of `template`) and returns its name. */
  createDatabase(options?: { name?: string; template?: string }): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  /** Stops the server (or drops the throwaway databases) and removes its files. Idempotent. */
  stop(): Promise<void>;
}

/** An environment problem a person must fix (exit code 2): no binaries, no Docker, bad URL. */
export class PostgresUnavailableError extends EnvironmentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PostgresUnavailableError';
  }
}
