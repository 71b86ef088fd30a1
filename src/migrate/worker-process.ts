import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { guardWorker, releaseWorker } from './orphan-guard.js';
import type { WorkerFailure, WorkerRequestBody, WorkerResponse } from './protocol.js';
import { redact } from './redact.js';

/** How to start a worker: any program that speaks `protocol.ts` (Node for Sequelize, Python for Alembic). */
export interface WorkerCommand {
  /** The executable (`process.execPath`, `python3`, ...). */
  command: string;
  args: string[];
  /** The worker's working folder: the project's root, as the project's own tools run. */
  cwd: string;
  /** The worker's whole environment (nothing of Schemabot's is inherited beyond it). */
  env: NodeJS.ProcessEnv;
  /** Where the project's own output (the worker's stdout/stderr) goes, one redacted line at a time. */
  log?: (line: string) => void;
}

/** A request the worker answered with a failure (a configuration problem, or a runtime error). */
export class WorkerRequestError extends Error {
  readonly failure: WorkerFailure;
  constructor(failure: WorkerFailure) {
    super(failure.message);
    this.name = 'WorkerRequestError';
    this.failure = failure;
  }
}

/** The worker process ended while a request was pending (or before one was sent). */
export class WorkerExitedError extends Error {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines the worker wrote to stderr (redacted), for the message. */
  readonly stderrTail: string[];
  constructor(
    code: number | null,
    signal: NodeJS.Signals | null,
    stderrTail: string[],
    killedOnPurpose: boolean,
  ) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const tail = stderrTail.length ? ` Its last output: ${stderrTail.slice(-3).join(' | ')}` : '';
    super(`${killedOnPurpose ? 'The worker was stopped' : `The migration worker ${how}`}.${tail}`);
    this.name = 'WorkerExitedError';
    this.exitCode = code;
    this.signal = signal;
    this.stderrTail = stderrTail;
  }
}

/** A step's time limit when the run sets none (`--timeout`): the runner's, and the guard's until then. */
export const DEFAULT_STEP_TIMEOUT_MS = 10 * 60 * 1000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * One worker process and the protocol's framing: requests as JSON lines on its stdin, answers as
 * JSON lines on its fd 3, its stdout/stderr relayed as the project's log. Requests are answered in
 * order; `kill()` ends it at once (a migration that never yields, or a stop).
 */
export class WorkerProcess implements AsyncDisposable {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited: WorkerExitedError | undefined;
  private killedOnPurpose = false;
  private readonly stderrTail: string[] = [];
  private readonly exitPromise: Promise<void>;

  constructor(spec: WorkerCommand) {
    this.child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      // Its own process group: a stop reaches whatever the migration code started too.
      detached: true,
    });
    const log = spec.log ?? (() => undefined);
    const relay = (stream: Readable | null, isErr: boolean): void => {
      if (!stream) return;
      createInterface({ input: stream }).on('line', (line) => {
        const safe = redact(line);
        if (isErr) {
          this.stderrTail.push(safe);
          if (this.stderrTail.length > 20) this.stderrTail.shift();
        }
        log(safe);
      });
    };
    relay(this.child.stdout, false);
    relay(this.child.stderr, true);
    const answers = this.child.stdio[3] as Readable | null;
    if (answers) {
      createInterface({ input: answers }).on('line', (line) => this.onAnswer(line));
    }
    this.child.stdin?.on('error', () => undefined);
    this.exitPromise = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (!this.exited)
          this.exited = new WorkerExitedError(code, signal, [...this.stderrTail], this.killedOnPurpose);
        for (const p of this.pending.values()) p.reject(this.exited);
        this.pending.clear();
        this.setRef(false);
        resolve();
      };
      this.child.once('exit', (code, signal) => {
        if (this.child.pid !== undefined) releaseWorker(this.child.pid);
        done(code, signal);
      });
      this.child.once('error', (error) => {
        this.exited = Object.assign(new WorkerExitedError(null, null, [String(error.message)], false), {
          message: `The migration worker could not be started (${spec.command}): ${error.message}`,
        });
        done(null, null);
      });
    });
    this.answers = answers;
    if (this.child.pid !== undefined) guardWorker(this.child.pid, DEFAULT_STEP_TIMEOUT_MS);
    // An idle worker never keeps Schemabot's process alive; one with a request pending does.
    this.setRef(false);
  }

  private readonly answers: Readable | null;

  private setRef(on: boolean): void {
    const handles = [this.child, this.child.stdout, this.child.stderr, this.answers] as ({
      ref?: () => void;
      unref?: () => void;
    } | null)[];
    for (const h of handles) (on ? h?.ref : h?.unref)?.call(h);
  }

  /** The steps this worker runs may take `ms` each: it may outlive a killed Schemabot that long. */
  allowSteps(ms: number): void {
    if (this.child.pid !== undefined && !this.exited) guardWorker(this.child.pid, ms);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True once the process has ended. */
  get ended(): boolean {
    return this.exited !== undefined;
  }

  private onAnswer(line: string): void {
    let message: WorkerResponse;
    try {
      message = JSON.parse(line) as WorkerResponse;
    } catch {
      return; // not a protocol line
    }
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.setRef(false);
    if (message.ok) p.resolve(message.result);
    else p.reject(new WorkerRequestError(message.error));
  }

  /** Sends one request and waits for its answer. Rejects with `WorkerExitedError` if the worker ends first. */
  request<T>(body: WorkerRequestBody): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.setRef(true);
      (this.child.stdin as Writable).write(JSON.stringify({ ...body, id }) + '\n');
    });
  }

  /**
   * Whether the worker's event loop answers a ping within `withinMs` (the Sequelize worker answers it
   * out of turn, even during a step); false when it is blocked or gone.
   */
  async responsive(withinMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), withinMs)));
    const pong = this.request({ op: 'ping' }).then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([pong, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the worker at once (SIGKILL to its whole process group) and waits for it to be gone. */
  async kill(): Promise<void> {
    if (this.exited) return;
    this.killedOnPurpose = true;
    // Waiting for its exit keeps Schemabot's process alive: with nothing else pending (a load that
    // failed before any server started), the process would otherwise end here without a word.
    this.setRef(true);
    const pid = this.child.pid;
    try {
      if (pid !== undefined) process.kill(-pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
    await this.exitPromise;
  }

  /** Asks the worker to close its connections and exit; kills it if it does not within `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    let timer: NodeJS.Timeout | undefined;
    const closing = this.request({ op: 'close' }).catch(() => undefined);
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    const first = await Promise.race([this.exitPromise.then(() => 'exited' as const), late]);
    clearTimeout(timer);
    void closing;
    if (first === 'late') await this.kill();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
