import * as core from '@actions/core';
import * as github from '@actions/github';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError, readInputs } from './action/inputs.js';
import { isEnvironmentError } from './cli/errors.js';
import { runCheck } from './modes/check.js';
import { renderMarkdown } from './report/markdown.js';
import { renderTerminal } from './report/terminal.js';

/** The action's entry point: every failure ends in `core.setFailed` with a message for people. */
export async function run(): Promise<void> {
  try {
    const pr = github.context.payload.pull_request as { base?: { sha?: string } } | undefined;
    const inputs = readInputs(github.context.eventName, pr?.base?.sha);
    if (inputs.mode !== 'check') {
      throw new InputError(
        `mode "${inputs.mode}" is not available in this version of Schemabot; use mode: check.`,
      );
    }
    const report = await runCheck({
      cwd: inputs.workingDirectory,
      base: inputs.base,
      migrationsPath: inputs.migrationsPath,
      postgres: inputs.postgres,
      postgresVersion: inputs.postgresVersion,
      postgresUrl: inputs.postgresUrl,
      postgresImage: inputs.postgresImage,
      log: (line) => core.info(line),
    });
    mkdirSync(dirname(inputs.reportPath), { recursive: true });
    writeFileSync(inputs.reportPath, JSON.stringify(report, null, 2) + '\n');
    core.info(renderTerminal(report));
    await core.summary.addRaw(renderMarkdown(report)).write();
    core.setOutput('ok', String(report.ok));
    core.setOutput('changed', String(report.changes.length > 0));
    core.setOutput('reversible', String(report.migrations.every((m) => m.reversible !== false)));
    core.setOutput('migrations', String(report.summary.checked));
    core.setOutput('report-path', inputs.reportPath);
    const failing =
      inputs.failOn === 'never'
        ? false
        : inputs.failOn === 'warning'
          ? report.findings.length > 0
          : !report.ok;
    if (failing) {
      core.setFailed(
        `Schemabot: ${report.summary.errors} error(s), ${report.summary.warnings} warning(s) in the migrations.`,
      );
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    core.setFailed(
      err instanceof InputError || isEnvironmentError(err)
        ? message
        : `Unexpected error: ${(err as Error).stack ?? message}`,
    );
  }
}
