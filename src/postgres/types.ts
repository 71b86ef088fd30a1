import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrontEnd } from '../shared/wording.js';
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
  /** Messages name the CLI's flags, or the action's inputs. */
  frontEnd?: FrontEnd;
  /**
   * `local` and `testcontainers`: a folder that may hold a cluster kept by an earlier run
   * (`PostgresServer.keepAtStop`). The server starts on a copy of it when it was made by the same
   * installation (the same image), else as usual.
   */
  cluster?: string;
}

/** In a kept cluster's folder, beside its data directory: what it was kept with (its last use, too). */
export const KEPT_FILE = 'kept.json';

/** The database a server's kept cluster holds, with the note it was kept with (see `keepAtStop`). */
export interface KeptDatabase {
  database: string;
  note: string;
}

/**
 * What `KEPT_FILE` in `folder` says, when it names a database and a note; the provider checks the rest
 * (who kept it). Undefined when there is none or it does not read.
 */
export function readKeptFile<T extends KeptDatabase>(
  folder: string,
): (Partial<T> & KeptDatabase) | undefined {
  try {
    const kept = JSON.parse(readFileSync(join(folder, KEPT_FILE), 'utf8')) as Partial<T>;
    return typeof kept.database === 'string' && typeof kept.note === 'string'
      ? (kept as Partial<T> & KeptDatabase)
      : undefined;
  } catch {
    return undefined;
  }
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
  /** Renames a database this server's handle created (nobody may be connected to it). */
  renameDatabase(from: string, to: string): Promise<void>;
  /** The database of the kept cluster this server started on (`PostgresRequest.cluster`), if it did. */
  readonly kept?: KeptDatabase;
  /**
   * `local` and `testcontainers`: at `stop()`, no database of the run is left but `database`, and the
   * cluster is kept in the request's `cluster` folder with `note` (a data directory, or a container's
   * archive), for the next run to start on. False when it cannot (no folder asked for): then nothing
   * is kept.
   */
  keepAtStop?(database: string, note: string): boolean;
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
