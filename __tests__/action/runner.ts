/**
 * Runs the bundled action the way a GitHub runner does: `node dist/index.js` from a folder holding only
 * `action.yml` and `dist/`, with `INPUT_*` variables (hyphens kept, action.yml defaults filled in), a real
 * webhook payload at `GITHUB_EVENT_PATH`, and files for `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildBundle } from '../helpers/bundle.js';
import { recordFile, recordOutput } from '../helpers/outputs.js';
import { PROJECT_ROOT } from '../helpers/repo.js';
import { expectValidReportFile } from '../helpers/report-schema.js';

export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';

/** The bundle folder with action.yml beside dist/, as GitHub checks out `uses: owner/schemabot@v1`. */
export function actionFolder(): string {
  const dir = buildBundle();
  copyFileSync(join(PROJECT_ROOT, 'action.yml'), join(dir, 'action.yml'));
  return dir;
}

/** `inputs:` of action.yml with their defaults (expressions such as `${{ github.token }}` left out). */
export function actionInputs(actionYml: string): Map<string, string | undefined> {
  const spec = parse(readFileSync(actionYml, 'utf8')) as { inputs: Record<string, { default?: unknown }> };
  return new Map(
    Object.entries(spec.inputs).map(([name, input]) => {
      const value = input.default === undefined ? undefined : String(input.default);
      return [name, value?.includes('${{') ? undefined : value];
    }),
  );
}

type Payload = Record<string, unknown>;
type Examples = { name: string; examples: Payload[] }[];

const webhooks = createRequire(import.meta.url)('@octokit/webhooks-examples') as Examples;

export function example(event: string, match: (e: Payload) => boolean): Payload {
  const found = webhooks.find((d) => d.name === event)?.examples.find(match);
  if (!found) throw new Error(`no ${event} example`);
  return structuredClone(found);
}

export function setRepository(payload: Payload, owner: string, repo: string): void {
  const r = payload.repository as Payload & { owner: Payload };
  Object.assign(r, { name: repo, full_name: `${owner}/${repo}` });
  r.owner.login = owner;
}

/** GitHub's `pull_request` delivery (`opened` or `synchronize`) pointed at the fixture's commits. */
export function pullRequestEvent(
  action: 'opened' | 'synchronize',
  pr: { number: number; headSha: string; baseSha: string; fork?: boolean },
): Payload {
  const payload = example('pull_request', (e) => e.action === action);
  setRepository(payload, OWNER, REPO);
  payload.number = pr.number;
  if (action === 'synchronize') payload.after = pr.headSha;
  const p = payload.pull_request as Payload & { head: Payload & { repo: Payload }; base: Payload };
  p.number = pr.number;
  p.head.sha = pr.headSha;
  p.base.sha = pr.baseSha;
  p.head.repo = { ...p.head.repo, full_name: `${pr.fork ? 'forker' : OWNER}/${REPO}`, fork: !!pr.fork };
  return payload;
}

/** GitHub's `workflow_run` `completed` delivery for a run of the pull_request workflow at `headSha`. */
export function workflowRunEvent(run: { headSha: string; fork?: boolean; pullRequests?: number[] }): Payload {
  const payload = example(
    'workflow_run',
    (e) =>
      e.action === 'completed' && (e.workflow_run as { pull_requests: unknown[] }).pull_requests.length === 0,
  );
  setRepository(payload, OWNER, REPO);
  const w = payload.workflow_run as Payload & { head_repository: Payload };
  Object.assign(w, {
    head_sha: run.headSha,
    event: 'pull_request',
    conclusion: 'success',
    pull_requests: (run.pullRequests ?? []).map((n) => ({ number: n })),
  });
  w.head_repository = { ...w.head_repository, full_name: `${run.fork ? 'forker' : OWNER}/${REPO}` };
  return payload;
}

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The run's RUNNER_TEMP (kept until `removeRunnerTemps()`: the default report-path is in it). */
  runnerTemp: string;
  /** `::error`, `::warning` and `::notice` workflow commands the step printed. */
  commands: { level: string; properties: string; message: string }[];
}

/** Parses GITHUB_OUTPUT's `name<<DELIMITER` blocks (and `name=value` lines). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!);
      out[heredoc[1]!] = value.join('\n');
    } else if (lines[i]!.includes('=')) {
      const [k, ...v] = lines[i]!.split('=');
      out[k!] = v.join('=');
    }
  }
  return out;
}

function unescapeCommand(text: string): string {
  return text
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%');
}

export interface RunOptions {
  eventName: 'pull_request' | 'workflow_run' | 'push' | 'workflow_dispatch';
  event: Payload;
  workspace: string;
  inputs: Record<string, string>;
  apiUrl: string;
  sha?: string;
  /** The job's RUNNER_TEMP, when its other steps use it too (`${{ runner.temp }}`); default a fresh one. */
  runnerTemp?: string;
  /** Variables of the job's machine to set (a string) or to leave out (null), e.g. its HOME. */
  env?: Record<string, string | null>;
}

const temps: string[] = [];

export function removeRunnerTemps(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs `node dist/index.js` asynchronously (the GitHub API server lives in this process). */
export async function runAction(folder: string, options: RunOptions): Promise<ActionRun> {
  const temp = options.runnerTemp ?? mkdtempSync(join(tmpdir(), 'schemabot-runner-'));
  temps.push(temp);
  {
    const eventPath = join(temp, 'event.json');
    const outputPath = join(temp, 'output');
    const summaryPath = join(temp, 'summary.md');
    writeFileSync(eventPath, JSON.stringify(options.event));
    writeFileSync(outputPath, '');
    writeFileSync(summaryPath, '');
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!/^(INPUT_|GITHUB_|RUNNER_|ACTIONS_)/.test(k)) env[k] = v;
    }
    for (const [name, value] of actionInputs(join(folder, 'action.yml'))) {
      if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value;
    }
    for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    Object.assign(env, {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: options.eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
      GITHUB_REPOSITORY_OWNER: OWNER,
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_SHA: options.sha ?? '0'.repeat(40),
      GITHUB_REF: 'refs/pull/1/merge',
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: options.apiUrl,
      GITHUB_WORKFLOW: 'schemabot',
      GITHUB_ACTOR: 'Codertocat',
      RUNNER_TEMP: temp,
      RUNNER_OS: 'Linux',
      NODE_ENV: '',
    });
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (v === null) delete env[k];
      else env[k] = v;
    }
    const child = spawn(process.execPath, [join(folder, 'dist', 'index.js')], {
      cwd: options.workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const code = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
      child.on('error', reject);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c ?? -1);
      });
    });
    recordOutput('action stdout', stdout);
    recordOutput('action stderr', stderr);
    recordFile('action GITHUB_OUTPUT', outputPath);
    recordFile('action GITHUB_STEP_SUMMARY', summaryPath);
    recordFile('action report', parseOutputs(readFileSync(outputPath, 'utf8'))['report-path']);
    const commands = [...stdout.matchAll(/^::(error|warning|notice)( [^:]*)?::(.*)$/gm)].map((m) => ({
      level: m[1]!,
      properties: unescapeCommand((m[2] ?? '').trim()),
      message: unescapeCommand(m[3]!),
    }));
    const outputs = parseOutputs(readFileSync(outputPath, 'utf8'));
    // Every report the action writes follows docs/report.schema.json (comment mode's report-path is the
    // artifact it read: untrusted input, which tests may have made invalid on purpose).
    const mode = options.inputs.mode ?? (options.eventName === 'workflow_run' ? 'comment' : '');
    if (mode !== 'comment') expectValidReportFile(outputs['report-path']);
    return {
      code,
      stdout,
      stderr,
      outputs,
      summary: readFileSync(summaryPath, 'utf8'),
      runnerTemp: temp,
      commands,
    };
  }
}
