import { loadModule, parseSync } from 'libpg-query';
import { holdWasmTiering } from '../shared/wasm.js';

/** What a captured SQL string does to the session's transaction, read with PostgreSQL's own parser. */
export interface TransactionEffect {
  /** It opens, ends or prepares a transaction (BEGIN, START TRANSACTION, COMMIT, ROLLBACK, END, ...). */
  control: boolean;
  /** It creates, releases or rolls back to a savepoint. */
  savepoint: boolean;
}

const CONTROL = new Set([
  'TRANS_STMT_BEGIN',
  'TRANS_STMT_START',
  'TRANS_STMT_COMMIT',
  'TRANS_STMT_ROLLBACK',
  'TRANS_STMT_PREPARE',
  'TRANS_STMT_COMMIT_PREPARED',
  'TRANS_STMT_ROLLBACK_PREPARED',
]);
const SAVEPOINT = new Set(['TRANS_STMT_SAVEPOINT', 'TRANS_STMT_RELEASE', 'TRANS_STMT_ROLLBACK_TO']);

let loaded: Promise<void> | undefined;

/** Loads the parser's WebAssembly module once per process. */
export function loadParser(): Promise<void> {
  holdWasmTiering();
  loaded ??= loadModule();
  return loaded;
}

/**
 * The transaction statements in `sql` (which may hold several statements). SQL the parser rejects
 * has no effect as far as the replay is concerned: PostgreSQL will reject it too.
 */
export function transactionEffect(sql: string): TransactionEffect {
  const effect: TransactionEffect = { control: false, savepoint: false };
  let stmts: { stmt?: Record<string, unknown> }[];
  try {
    stmts = (parseSync(sql) as { stmts?: { stmt?: Record<string, unknown> }[] }).stmts ?? [];
  } catch {
    return effect;
  }
  for (const { stmt } of stmts) {
    const kind = (stmt?.TransactionStmt as { kind?: string } | undefined)?.kind;
    if (!kind) continue;
    if (CONTROL.has(kind)) effect.control = true;
    if (SAVEPOINT.has(kind)) effect.savepoint = true;
  }
  return effect;
}
