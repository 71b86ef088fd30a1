import { readFile, stat } from 'node:fs/promises';
import type { CheckReport, Finding, MigrationReport, ModelsSection, StepReport } from '../assess/types.js';
import type { Change } from '../diff/index.js';
import type { MigrationObservation } from '../inspect/locks.js';
import type { GitHubClient } from './client.js';

/**
 * Fork-safe publishing. The `pull_request` job (read-only token on forks) writes the report plus the
 * pull request it is about; a `workflow_run` job with a write token reads it back. That job must treat
 * the artifact as untrusted data: it is validated field by field, rebuilt from the known fields only,
 * and the pull request it names is checked against the head SHA GitHub reports for the run.
 */

export interface PullRequestRef {
  number: number;
  headSha: string;
  baseSha: string;
  /** `owner/name` of the base repository. */
  repo: string;
}

export type ReportArtifact = CheckReport & { pr: PullRequestRef };

/** Bounds on what an artifact may hold. */
export const ARTIFACT_LIMITS = {
  bytes: 32 * 1024 * 1024,
  shortString: 1024,
  text: 256 * 1024,
  sql: 4 * 1024 * 1024,
  migrations: 10_000,
  statements: 100_000,
  changes: 200_000,
  findings: 50_000,
  depth: 24,
};

export class ArtifactError extends Error {
  constructor(message: string) {
    super(`The report artifact was rejected: ${message}`);
    this.name = 'ArtifactError';
  }
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/** What the `pull_request` job uploads. */
export function artifactPayload(report: CheckReport, context: PullRequestRef): ReportArtifact {
  return { ...report, pr: readPullRequestRef(new Reader(context, 'pr')) };
}

function readPullRequestRef(r: Reader): PullRequestRef {
  const v = r.object();
  const number = v.int('number', 1);
  const headSha = v.pattern('headSha', SHA, 'a commit SHA');
  const baseSha = v.pattern('baseSha', SHA, 'a commit SHA');
  const repo = v.pattern('repo', REPO, '"owner/name"');
  return { number, headSha, baseSha, repo };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Reads one JSON value at a path; every accessor throws an `ArtifactError` naming the path. */
class Reader {
  constructor(
    private readonly value: unknown,
    private readonly at: string,
  ) {}

  private fail(expected: string, at = this.at): never {
    throw new ArtifactError(`${at} must be ${expected}.`);
  }

  object(): ObjectReader {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) {
      this.fail('an object');
    }
    return new ObjectReader(this.value as Record<string, unknown>, this.at);
  }

  string(max = ARTIFACT_LIMITS.shortString): string {
    if (typeof this.value !== 'string') this.fail('a string');
    if (this.value.length > max) this.fail(`at most ${max} characters long`);
    return this.value;
  }

  number(min = 0): number {
    if (typeof this.value !== 'number' || !Number.isFinite(this.value) || this.value < min) {
      this.fail(`a finite number ≥ ${min}`);
    }
    return this.value;
  }

  int(min = 0): number {
    if (!Number.isSafeInteger(this.value) || (this.value as number) < min) this.fail(`an integer ≥ ${min}`);
    return this.value as number;
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') this.fail('true or false');
    return this.value;
  }

  oneOf<T extends string>(allowed: readonly T[]): T {
    if (typeof this.value !== 'string' || !(allowed as readonly string[]).includes(this.value)) {
      this.fail(`one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    }
    return this.value as T;
  }

  array<T>(max: number, item: (r: Reader) => T): T[] {
    if (!Array.isArray(this.value)) this.fail('an array');
    if (this.value.length > max) this.fail(`an array of at most ${max} items`);
    return this.value.map((v, i) => item(new Reader(v, `${this.at}[${i}]`)));
  }

  /** Any JSON value (schema snapshots), bounded in depth and string length. */
  json(depth = 0): Json {
    const v = this.value;
    if (depth > ARTIFACT_LIMITS.depth) this.fail(`nested at most ${ARTIFACT_LIMITS.depth} levels deep`);
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'number') return this.number(-Infinity);
    if (typeof v === 'string') return this.string(ARTIFACT_LIMITS.text);
    if (Array.isArray(v)) return v.map((x, i) => new Reader(x, `${this.at}[${i}]`).json(depth + 1));
    if (typeof v === 'object') {
      const out: Record<string, Json> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (k.length > ARTIFACT_LIMITS.shortString) this.fail('keyed by short names');
        if (k === '__proto__') continue;
        out[k] = new Reader(x, `${this.at}.${k}`).json(depth + 1);
      }
      return out;
    }
    return this.fail('JSON data');
  }
}

class ObjectReader {
  constructor(
    private readonly value: Record<string, unknown>,
    private readonly at: string,
  ) {}

  keys(): string[] {
    if (Object.keys(this.value).length > ARTIFACT_LIMITS.changes) {
      throw new ArtifactError(`${this.at} has too many fields.`);
    }
    return Object.keys(this.value).filter((k) => k !== '__proto__');
  }

  has(key: string): boolean {
    return Object.hasOwn(this.value, key) && this.value[key] !== undefined;
  }

  get(key: string): Reader {
    if (!Object.hasOwn(this.value, key)) throw new ArtifactError(`${this.at}.${key} is missing.`);
    return new Reader(this.value[key], `${this.at}.${key}`);
  }

  /** The field's reader, or undefined when it is absent; `null` counts as absent when `nullable`. */
  optional(key: string, nullable = false): Reader | undefined {
    if (!this.has(key)) return undefined;
    if (nullable && this.value[key] === null) return undefined;
    return this.get(key);
  }

  nullable<T>(key: string, read: (r: Reader) => T): T | null {
    return this.value[key] === null ? null : read(this.get(key));
  }

  string(key: string, max?: number): string {
    return this.get(key).string(max);
  }
  int(key: string, min?: number): number {
    return this.get(key).int(min);
  }
  number(key: string, min?: number): number {
    return this.get(key).number(min);
  }
  boolean(key: string): boolean {
    return this.get(key).boolean();
  }
  pattern(key: string, re: RegExp, what: string): string {
    const s = this.get(key).string();
    if (!re.test(s)) throw new ArtifactError(`${this.at}.${key} must be ${what}.`);
    return s;
  }
}

const CHANGE_KINDS = [
  'schema',
  'extension',
  'table',
  'column',
  'constraint',
  'index',
  'enum',
  'domain',
  'type',
  'sequence',
  'view',
  'materialized_view',
  'function',
  'trigger',
  'policy',
  'comment',
  'privilege',
] as const satisfies readonly Change['kind'][];

function readChange(r: Reader): Change {
  const o = r.object();
  const change: Change = {
    kind: o.get('kind').oneOf(CHANGE_KINDS),
    action: o.get('action').oneOf(['added', 'removed', 'changed', 'renamed'] as const),
    name: o.string('name'),
    before: o.has('before') ? o.get('before').json() : null,
    after: o.has('after') ? o.get('after').json() : null,
  };
  const details = o.optional('details');
  if (details) {
    const d = details.object();
    change.details = {};
    for (const key of d.keys()) {
      const entry = d.get(key).object();
      change.details[key] = {
        from: entry.has('from') ? entry.get('from').json() : null,
        to: entry.has('to') ? entry.get('to').json() : null,
      };
    }
  }
  const from = o.optional('from');
  if (from) change.from = from.string();
  const evidence = o.optional('evidence');
  if (evidence) change.evidence = evidence.string(ARTIFACT_LIMITS.text);
  return change;
}

function readStep(r: Reader): StepReport {
  const o = r.object();
  return {
    ok: o.boolean('ok'),
    ms: o.number('ms'),
    statements: o.get('statements').array(ARTIFACT_LIMITS.statements, (s) => {
      const st = s.object();
      return {
        sql: st.string('sql', ARTIFACT_LIMITS.sql),
        ms: st.number('ms'),
        ...(st.has('failed') ? { failed: st.boolean('failed') } : {}),
        ...(st.has('unfinished') ? { unfinished: st.boolean('unfinished') } : {}),
      };
    }),
    error: o.nullable('error', (e) => {
      const x = e.object();
      const text = (key: string, max = ARTIFACT_LIMITS.text) =>
        x.has(key) ? { [key]: x.string(key, max) } : {};
      return {
        message: x.string('message', ARTIFACT_LIMITS.text),
        ...text('file', ARTIFACT_LIMITS.shortString),
        ...(x.has('line') ? { line: x.int('line') } : {}),
        ...text('sql', ARTIFACT_LIMITS.sql),
        ...text('code', 16),
        ...text('detail'),
        ...text('hint'),
        ...(x.has('position') ? { position: x.int('position') } : {}),
      };
    }),
  };
}

function readMigration(r: Reader): MigrationReport {
  const o = r.object();
  const step = (key: string) => (o.has(key) ? o.nullable(key, readStep) : null);
  const migration: MigrationReport = {
    name: o.string('name'),
    file: o.string('file'),
    change: o.get('change').oneOf(['added', 'modified', 'deleted', 'unchanged'] as const),
    up: step('up'),
    down: step('down'),
    reup: step('reup'),
    reversible: o.nullable('reversible', (b) => b.boolean()),
    residue: o.get('residue').array(ARTIFACT_LIMITS.changes, readChange),
  };
  const reupDiff = o.optional('reupDiff');
  if (reupDiff) migration.reupDiff = reupDiff.array(ARTIFACT_LIMITS.changes, readChange);
  const skipped = o.optional('skipped');
  if (skipped) migration.skipped = skipped.string(ARTIFACT_LIMITS.text);
  const observation = o.optional('observation');
  if (observation) migration.observation = readObservation(observation);
  return migration;
}

const RELATION_KINDS = ['table', 'index', 'sequence', 'other'] as const;

function readObservation(r: Reader): MigrationObservation {
  const o = r.object();
  const names = (key: string) => o.get(key).array(ARTIFACT_LIMITS.changes, (n) => n.string());
  return {
    postgresMajor: o.int('postgresMajor'),
    statements: o.get('statements').array(ARTIFACT_LIMITS.statements, (sr) => {
      const st = sr.object();
      const text = (key: string, max = ARTIFACT_LIMITS.text) =>
        st.has(key) ? { [key]: st.string(key, max) } : {};
      const flag = (key: string) => (st.has(key) ? { [key]: st.boolean(key) } : {});
      return {
        index: st.int('index'),
        sql: st.string('sql', ARTIFACT_LIMITS.sql),
        ms: st.number('ms'),
        locks: st.get('locks').array(ARTIFACT_LIMITS.changes, (lr) => {
          const l = lr.object();
          return {
            relation: l.string('relation'),
            kind: l.get('kind').oneOf(RELATION_KINDS),
            mode: l.string('mode', 64),
            blocks: l.get('blocks').array(2, (b) => b.oneOf(['reads', 'writes'] as const)),
            ms: l.number('ms'),
            ...(l.has('releasedBy') ? { releasedBy: l.int('releasedBy') } : {}),
          };
        }),
        rewrites: st.get('rewrites').array(ARTIFACT_LIMITS.changes, (n) => n.string()),
        scans: st.get('scans').array(ARTIFACT_LIMITS.changes, (n) => n.string()),
        inTransaction: st.boolean('inTransaction'),
        ...flag('migrationTransaction'),
        ...flag('control'),
        ...text('error'),
        ...text('code', 16),
      };
    }),
    before: o.get('before').array(ARTIFACT_LIMITS.changes, (br) => {
      const b = br.object();
      return {
        name: b.string('name'),
        schema: b.string('schema'),
        relname: b.string('relname'),
        kind: b.get('kind').oneOf(RELATION_KINDS),
      };
    }),
    created: names('created'),
    dropped: names('dropped'),
  };
}

function readFinding(r: Reader): Finding {
  const o = r.object();
  return {
    rule: o.string('rule', 128),
    severity: o.get('severity').oneOf(['error', 'warning', 'info'] as const),
    message: o.string('message', ARTIFACT_LIMITS.text),
    ...(o.has('migration') ? { migration: o.string('migration') } : {}),
    ...(o.has('file') ? { file: o.string('file') } : {}),
    ...(o.has('line') ? { line: o.int('line') } : {}),
    ...(o.has('fix') ? { fix: o.string('fix', ARTIFACT_LIMITS.text) } : {}),
    ...(o.has('suppressed')
      ? { suppressed: { reason: o.get('suppressed').object().string('reason', ARTIFACT_LIMITS.text) } }
      : {}),
  };
}

function readModels(r: Reader): ModelsSection {
  const o = r.object();
  return {
    source: o.string('source'),
    tables: o.int('tables'),
    changes: o.get('changes').array(ARTIFACT_LIMITS.changes, readChange),
    ...(o.has('error') ? { error: o.string('error', ARTIFACT_LIMITS.text) } : {}),
  };
}

/** Validates parsed artifact JSON and rebuilds it from the known fields only. */
export function parseArtifact(data: unknown): ReportArtifact {
  const o = new Reader(data, 'artifact').object();
  if (o.get('schemaVersion').int() !== 1) {
    throw new ArtifactError('artifact.schemaVersion must be 1 (written by a different Schemabot version?).');
  }
  const postgres = o.get('postgres').object();
  const replay = o.get('baseReplay').object();
  const summary = o.get('summary').object();
  return {
    schemaVersion: 1,
    mode: o.get('mode').oneOf(['check'] as const),
    ok: o.boolean('ok'),
    postgres: { version: postgres.string('version', 64), provider: postgres.string('provider', 64) },
    base: o.nullable('base', (b) => {
      const x = b.object();
      return { ref: x.string('ref'), sha: x.string('sha', 64) };
    }),
    head: {
      sha: o
        .get('head')
        .object()
        .nullable('sha', (s) => s.string(64)),
    },
    migrationsPath: o.string('migrationsPath'),
    baseReplay: {
      migrations: replay.int('migrations'),
      ms: replay.number('ms'),
      statementMs: replay.number('statementMs'),
    },
    migrations: o.get('migrations').array(ARTIFACT_LIMITS.migrations, readMigration),
    changes: o.get('changes').array(ARTIFACT_LIMITS.changes, readChange),
    findings: o.get('findings').array(ARTIFACT_LIMITS.findings, readFinding),
    ...(o.has('models') ? { models: readModels(o.get('models')) } : {}),
    summary: {
      checked: summary.int('checked'),
      failed: summary.int('failed'),
      irreversible: summary.int('irreversible'),
      changes: summary.int('changes'),
      errors: summary.int('errors'),
      warnings: summary.int('warnings'),
    },
    durationMs: o.number('durationMs'),
    pr: readPullRequestRef(o.get('pr')),
  };
}

/** Reads and validates the artifact file (size first, then JSON, then every field). */
export async function loadArtifact(path: string): Promise<ReportArtifact> {
  const info = await stat(path).catch((err: Error) => {
    throw new ArtifactError(`cannot read ${path}: ${err.message}`);
  });
  if (!info.isFile()) throw new ArtifactError(`${path} is not a file.`);
  if (info.size > ARTIFACT_LIMITS.bytes) {
    throw new ArtifactError(`${path} is ${info.size} bytes; at most ${ARTIFACT_LIMITS.bytes} are accepted.`);
  }
  const text = await readFile(path, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ArtifactError(`${path} is not valid JSON (${(err as Error).message}).`);
  }
  return parseArtifact(data);
}

/** The parts of a `workflow_run` event the comment job relies on (all set by GitHub, so trusted). */
export interface WorkflowRunContext {
  owner: string;
  repo: string;
  headSha: string;
  /** `owner/name` the run's head commit came from (a fork's name for fork PRs). */
  headRepository: string | null;
  event: string;
  conclusion: string | null;
  runId: number;
  /** Pull requests GitHub associated with the run; empty for fork pull requests. */
  pullRequests: number[];
}

export function workflowRunContext(payload: unknown): WorkflowRunContext {
  const p = payload as {
    repository?: { name?: string; owner?: { login?: string } };
    workflow_run?: {
      id?: number;
      head_sha?: string;
      event?: string;
      conclusion?: string | null;
      head_repository?: { full_name?: string } | null;
      pull_requests?: { number?: number }[];
    };
  };
  const run = p?.workflow_run;
  if (!run || typeof run.head_sha !== 'string' || !p.repository?.name || !p.repository.owner?.login) {
    throw new Error(
      'This is not a workflow_run event payload (workflow_run.head_sha or repository missing).',
    );
  }
  return {
    owner: p.repository.owner.login,
    repo: p.repository.name,
    headSha: run.head_sha,
    headRepository: run.head_repository?.full_name ?? null,
    event: run.event ?? '',
    conclusion: run.conclusion ?? null,
    runId: run.id ?? 0,
    pullRequests: (run.pull_requests ?? [])
      .map((pr) => pr.number)
      .filter((n): n is number => Number.isInteger(n)),
  };
}

export interface VerifiedPullRequest {
  number: number;
  headSha: string;
  baseSha: string;
  state: string;
  htmlUrl: string;
  headRepository: string | null;
}

/** Fetches the pull request and requires its head to be exactly `headSha` (the run's, from the event). */
export async function verifyPullRequest(
  client: GitHubClient,
  target: { owner: string; repo: string; number: number; headSha: string },
): Promise<VerifiedPullRequest> {
  let pr;
  try {
    ({ data: pr } = await client.rest.pulls.get({
      owner: target.owner,
      repo: target.repo,
      pull_number: target.number,
    }));
  } catch (err) {
    if ((err as { status?: number }).status === 404) {
      throw new ArtifactError(
        `pull request #${target.number} does not exist in ${target.owner}/${target.repo}.`,
      );
    }
    throw err;
  }
  if (pr.head.sha !== target.headSha) {
    throw new ArtifactError(
      `pull request #${target.number} is at ${pr.head.sha}, but the workflow run that produced the artifact ` +
        `built ${target.headSha}. Either the artifact names the wrong pull request or the branch moved on; ` +
        'nothing was posted.',
    );
  }
  return {
    number: pr.number,
    headSha: pr.head.sha,
    baseSha: pr.base.sha,
    state: pr.state,
    htmlUrl: pr.html_url,
    headRepository: pr.head.repo?.full_name ?? null,
  };
}

/**
 * Everything the comment job checks before posting: the artifact is about this repository and this run's
 * head commit, and the pull request it names is at that commit.
 */
export async function verifyArtifactTarget(
  client: GitHubClient,
  artifact: ReportArtifact,
  run: WorkflowRunContext,
): Promise<VerifiedPullRequest> {
  const repo = `${run.owner}/${run.repo}`;
  if (artifact.pr.repo.toLowerCase() !== repo.toLowerCase()) {
    throw new ArtifactError(`it is about ${artifact.pr.repo}, but this workflow runs in ${repo}.`);
  }
  if (artifact.pr.headSha !== run.headSha) {
    throw new ArtifactError(
      `it was made for commit ${artifact.pr.headSha}, but the workflow run built ${run.headSha}.`,
    );
  }
  return verifyPullRequest(client, {
    owner: run.owner,
    repo: run.repo,
    number: artifact.pr.number,
    headSha: run.headSha,
  });
}

/**
 * How far the comment job may trust the verdict of the run that uploaded a report. A report is data the
 * run wrote, so it can never be better than the run itself: when the run did not conclude `success`, the
 * verdict is a failure whatever the report says. A fork's run is the fork's own (its author controls the
 * workflow it ran, even the workflow file), so its verdict is advisory and labelled as such.
 */
export interface RunTrust {
  /** The run did not succeed: the status is `failure`, the comment says why. */
  failed: boolean;
  /** Why, for the comment and the log (undefined when the run succeeded). */
  reason?: string;
  /** The pull request comes from a fork: its status is as reported by the fork's own run. */
  fork: boolean;
}

export function runTrust(run: WorkflowRunContext, pr: VerifiedPullRequest): RunTrust {
  const here = `${run.owner}/${run.repo}`.toLowerCase();
  const from = (pr.headRepository ?? run.headRepository)?.toLowerCase();
  const fork = from !== here;
  if (run.conclusion === 'success') return { failed: false, fork };
  return {
    failed: true,
    fork,
    reason:
      `The pull_request workflow run ${run.runId} that uploaded this report concluded ` +
      `${run.conclusion ?? 'without a conclusion'}, not success: its report cannot pass, whatever it says.`,
  };
}

/**
 * Every commit the comment shows must be the pull request's: the report's head must be the pull request's
 * head, its base the pull request's base. Returns what does not match (the report is then not shown).
 */
export function reportShaMismatch(report: CheckReport, pr: VerifiedPullRequest): string | undefined {
  if (report.head.sha !== null && report.head.sha !== pr.headSha) {
    return `the report names head commit ${report.head.sha}, but pull request #${pr.number} is at ${pr.headSha}.`;
  }
  if (report.base !== null && report.base.sha !== pr.baseSha) {
    return `the report names base commit ${report.base.sha}, but pull request #${pr.number} is based on ${pr.baseSha}.`;
  }
  return undefined;
}
