import { HAZARD_RULES, hazardFindings, type HazardRuleName } from '../../src/assess/hazards.js';
import type { HazardConfig } from '../../src/assess/config.js';
import { loadSqlParser, type SqlParser } from '../../src/assess/sql.js';
import type { Finding } from '../../src/report/contract/check.js';
import type { MigrationObservation } from '../../src/inspect/locks.js';
import type { PostgresServer } from '../../src/postgres/index.js';
import { BASE_SCHEMA, observeOnCopy, templateDatabase } from '../hazards/fixture.js';
import { startTestPostgres } from '../helpers/postgres.js';

/**
 * Firing and silent cases for one rule, each replayed on a real PostgreSQL copy of a production-like
 * schema (the hazard fixture's, plus an empty `accounts` table and a 50,000-row `events` table) and
 * judged by the hazard engine on what was measured.
 */
export const RULE_SCHEMA = `${BASE_SCHEMA}
CREATE TABLE accounts (id bigserial PRIMARY KEY, name text);
CREATE TABLE events (id bigserial PRIMARY KEY, kind text, payload text);
INSERT INTO events (kind, payload) SELECT 'k' || (i % 7), repeat('x', 40) FROM generate_series(1, 50000) i;
ANALYZE;
`;

export const NEW_TABLE = 'CREATE TABLE drafts (id bigserial PRIMARY KEY, title text, body text)';

export interface RuleHarness {
  server: PostgresServer;
  template: string;
  parser: SqlParser;
}

/** Starts the server and the template for the test file (stopped after it). */
export function ruleHarness(): RuleHarness {
  const h = {} as RuleHarness;
  beforeAll(async () => {
    h.server = await startTestPostgres();
    h.template = await templateDatabase(h.server, RULE_SCHEMA);
    h.parser = await loadSqlParser();
  });
  afterAll(async () => {
    await h.server?.stop();
  });
  return h;
}

export interface Judged {
  findings: Finding[];
  observation: MigrationObservation;
}

/** Replays `statements` (each one captured query) on a copy of the template and runs every rule. */
export async function judge(
  h: RuleHarness,
  statements: string[],
  config: HazardConfig = { failOn: 'error', rules: {} },
): Promise<Judged> {
  const observation = await observeOnCopy(h.server, h.template, statements);
  const findings = hazardFindings(
    {
      migration: '20260101000000-case.js',
      file: 'migrations/20260101000000-case.js',
      statements: statements.map((sql, i) => ({ sql, line: i + 1 })),
      observation,
      postgresMajor: observation.postgresMajor,
      parser: h.parser,
    },
    config,
  );
  return { findings, observation };
}

/** Findings of `rule`, checked against its metadata. */
export function of(rule: HazardRuleName, findings: Finding[]): Finding[] {
  const found = findings.filter((f) => f.rule === rule);
  for (const f of found) expect(f.fix).toBe(HAZARD_RULES[rule].fix);
  return found;
}

/** The errors PostgreSQL raised in the replay (none expected unless a case says so). */
export function replayErrors(observation: MigrationObservation): string[] {
  return observation.statements.filter((s) => s.error).map((s) => `${s.sql}: ${s.error}`);
}
