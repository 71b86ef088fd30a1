import pg from 'pg';
import { DataTypes, Sequelize, type QueryInterface } from 'sequelize';
import { hazardFindings } from '../../src/assess/hazards.js';
import { loadSqlParser } from '../../src/assess/sql.js';
import type { Finding } from '../../src/report/contract/check.js';
import { observeStatements, type MigrationObservation } from '../../src/inspect/locks.js';
import type { PostgresServer } from '../../src/postgres/index.js';

/**
 * `observeStatements` on a fresh copy of `template` (a database holding the pre-migration state, to
 * which no session may be connected), dropped afterwards.
 */
export async function observeOnCopy(
  server: PostgresServer,
  template: string,
  statements: string[],
): Promise<MigrationObservation> {
  const copy = await server.createDatabase({ template });
  try {
    return await observeStatements(server.url(copy), statements);
  } finally {
    await server.dropDatabase(copy).catch(() => undefined);
  }
}

/**
 * The schema every hazard case starts from: a production-like pair of tables with rows, an index,
 * a foreign key target and an enum, as a template database the cases copy.
 */
export const BASE_SCHEMA = `
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE users (id serial PRIMARY KEY, email varchar(100), name text, mood mood);
CREATE TABLE posts (id serial PRIMARY KEY, "userId" integer, title varchar(20), body text, views integer);
CREATE INDEX posts_title ON posts (title);
INSERT INTO users (email, name, mood) SELECT 'u' || i || '@example.com', 'user ' || i, 'happy' FROM generate_series(1, 50) i;
INSERT INTO posts ("userId", title, body, views) SELECT 1 + i % 50, 'title ' || i, 'body', i FROM generate_series(1, 200) i;
ANALYZE;
`;

/** A template database holding `schema` (no session stays connected, so it can be copied). */
export async function templateDatabase(server: PostgresServer, schema = BASE_SCHEMA): Promise<string> {
  const db = await server.createDatabase();
  const client = new pg.Client({ connectionString: server.url(db) });
  await client.connect();
  try {
    await client.query(schema);
  } finally {
    await client.end();
  }
  return db;
}

/**
 * The SQL Sequelize sends for `calls`, captured by running them for real (Sequelize's own logging)
 * on a throwaway copy of `template`.
 */
export async function sequelizeSql(
  server: PostgresServer,
  template: string,
  calls: (qi: QueryInterface, s: Sequelize, types: typeof DataTypes) => Promise<unknown>,
): Promise<string[]> {
  const db = await server.createDatabase({ template });
  const sql: string[] = [];
  const sequelize = new Sequelize(server.url(db), {
    logging: (line: string) => sql.push(line.replace(/^Executing \([^)]*\): /, '')),
  });
  try {
    await calls(sequelize.getQueryInterface(), sequelize, DataTypes);
  } finally {
    await sequelize.close();
    await server.dropDatabase(db);
  }
  return sql;
}

export interface Assessed {
  observation: MigrationObservation;
  findings: Finding[];
}

/** Replays `statements` on a copy of `template` and runs the hazard rules on what was measured. */
export async function assessStatements(
  server: PostgresServer,
  template: string,
  statements: string[],
): Promise<Assessed> {
  await loadSqlParser();
  const observation = await observeOnCopy(server, template, statements);
  const findings = hazardFindings({
    migration: '20260101000000-case.js',
    file: 'migrations/20260101000000-case.js',
    statements: statements.map((sql, i) => ({ sql, line: i + 1 })),
    observation,
    postgresMajor: observation.postgresMajor,
  });
  return { observation, findings };
}

export function rules(findings: Finding[]): string[] {
  return [...new Set(findings.map((f) => f.rule))].sort();
}
