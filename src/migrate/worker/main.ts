/**
 * The Sequelize worker: the process in which a project's own code runs (its `.sequelizerc`, config,
 * migrations and models), answering Schemabot's requests (`../protocol.ts`) one at a time. It imports
 * nothing of Schemabot's process but the protocol's types.
 */
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type {
  ProjectInfo,
  WorkerFailure,
  WorkerRequest,
  WorkerResponse,
  WorkerStepResult,
} from '../protocol.js';
import { messageOf } from './errors.js';
import { loadMigration } from './loader.js';
import { loadModels, ModelsError } from './models.js';
import { loadProject, ProjectError, type Project } from './project.js';
import { redact } from './redact.js';
import { LocalRunner } from './runner.js';
import { preloadSequelize } from './sequelize.js';
import { runPinnedStep } from './transaction.js';
import { registerTsxAfterSequelize } from './tsx.js';

const ANSWERS_FD = 3;
// Loaders (tsx, ts-node, babel) add frames: keep enough to reach the migration's own line.
Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 50);

let project: Project | undefined;
let runner: LocalRunner | undefined;
let url: string | undefined;

/** Schemabot went away (killed): its end of the answers pipe is closed, and so is the requests'. */
let orphaned = false;

function answer(response: WorkerResponse): void {
  if (orphaned) return;
  try {
    writeSync(ANSWERS_FD, JSON.stringify(response) + '\n');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPIPE' && code !== 'ECONNRESET' && code !== 'EBADF') throw error;
    // Nobody reads the answers any more: the requests' pipe closes too, which ends the worker.
    orphaned = true;
  }
}

function failure(error: unknown): WorkerFailure {
  if (error instanceof ProjectError) {
    return {
      kind: 'project',
      message: redact(error.message),
      ...(error.setting ? { setting: error.setting } : {}),
      ...(error.unsetEnv ? { unsetEnv: error.unsetEnv } : {}),
    };
  }
  if (error instanceof ModelsError) {
    return { kind: 'models', message: redact(error.message), ...(error.file ? { file: error.file } : {}) };
  }
  const code = (error as { code?: unknown; original?: { code?: unknown } } | null)?.code;
  return {
    kind: 'runtime',
    message: redact(messageOf(error)),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

/** The config reduced to what survives JSON, without anything that names the connection target. */
function plainConfig(config: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (/^(url|username|user|password|host|port|database|replication|dialectModule)$/.test(key)) continue;
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) copy[key] = JSON.parse(json) as unknown;
    } catch {
      // not representable: left out
    }
  }
  return copy;
}

function current(): LocalRunner {
  if (!runner) throw new Error('The worker has no open database (send "open" first).');
  return runner;
}

function loaded(): Project {
  if (!project) throw new Error('The worker has not loaded the project (send "load" first).');
  return project;
}

// The project's tsx, when Schemabot asked for it to be registered here (see `sequelizeWorkerArgs`).
const [tsxEsm, tsxCjs] = process.argv.slice(2);
const tsxFailure =
  tsxEsm && tsxCjs ? registerTsxAfterSequelize(process.cwd(), { esm: tsxEsm, cjs: tsxCjs }) : undefined;

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'load': {
      if (tsxFailure) {
        throw new ProjectError(
          `The project's tsx could not be registered (${tsxEsm}): ${messageOf(tsxFailure)}. ` +
            'Update tsx, or name it in .schemabot.yml (loader: tsx) to load it before anything else.',
          { setting: '.schemabot.yml "loader"' },
        );
      }
      project = await loadProject(request);
      const info: ProjectInfo = { ...project, config: plainConfig(project.config) };
      // Once the answer is out: Sequelize loads while the server starts ("open" waits for it).
      const loadedProject = project;
      setImmediate(() => void preloadSequelize(loadedProject).catch(() => undefined));
      return info;
    }
    case 'open': {
      Object.assign(process.env, request.env);
      url = request.url;
      await runner?.close();
      runner = await LocalRunner.open(request.url, loaded(), {
        timeoutMs: request.timeoutMs,
        applicationName: request.applicationName,
        ...(request.watchUrl ? { watchUrl: request.watchUrl } : {}),
      });
      return { sequelizeSource: runner.sequelizeSource, sequelizeVersion: runner.sequelizeVersion ?? null };
    }
    case 'step': {
      const r = current();
      const m = request.migration;
      if (request.pinned)
        return (await runPinnedStep(r, m, request.direction, request.pinned)) as WorkerStepResult;
      return request.direction === 'up' ? r.up(m) : r.down(m);
    }
    case 'applied':
      return current().applied();
    case 'record':
      return current().recordAll(request.names);
    case 'unrecord':
      return current().unrecordAll(request.names);
    case 'disconnect':
      await runner?.disconnect();
      return null;
    case 'sync-models': {
      if (!url) throw new Error('The worker has no open database (send "open" first).');
      await using models = await loadModels(loaded(), url, request.entry);
      return await models.sync();
    }
    case 'functions': {
      const out = [];
      for (const m of request.migrations) {
        try {
          const fns = await loadMigration(m.path, loaded().cwd);
          out.push({ name: m.name, up: Boolean(fns.up), down: Boolean(fns.down) });
        } catch (error) {
          out.push({ name: m.name, up: false, down: false, error: redact(messageOf(error)) });
        }
      }
      return out;
    }
    case 'close':
      await runner?.close();
      runner = undefined;
      return null;
  }
}

// Errors of work a migration did not await must not end the worker between requests: the step that
// started them has already reported them, or the next one will.
process.on('unhandledRejection', () => undefined);

const lines = createInterface({ input: process.stdin });
let queue: Promise<void> = Promise.resolve();
lines.on('line', (line) => {
  let request: WorkerRequest;
  try {
    request = JSON.parse(line) as WorkerRequest;
  } catch {
    return;
  }
  // Out of turn: it says that the event loop runs, even while a step is in progress.
  if (request.op === 'ping') return answer({ id: request.id, ok: true, result: null });
  queue = queue.then(async () => {
    try {
      answer({ id: request.id, ok: true, result: (await handle(request)) ?? null });
    } catch (error) {
      answer({ id: request.id, ok: false, error: failure(error) });
    }
    if (request.op === 'close') process.exit(0);
  });
});
// Schemabot went away: the request in progress ends (a step within its time limit), then the worker,
// whatever that request's outcome.
lines.on('close', () => {
  void queue
    .catch(() => undefined)
    .then(async () => {
      await runner?.close().catch(() => undefined);
      process.exit(0);
    });
});
