import type { Finding } from './contract/check.js';
import type { GenerateReport } from './contract/models.js';
import type { ModelsReport } from './contract/models.js';
import { changeLine, duration } from './format.js';
import { PLAIN, type Style } from './terminal.js';

function findingLine(f: Finding, st: Style): string {
  const mark = f.severity === 'error' ? st.red('✖') : f.severity === 'warning' ? st.yellow('!') : st.dim('i');
  const where = f.file ? st.dim(` ${f.file}${f.line ? `:${f.line}` : ''}`) : '';
  return `  ${mark} ${f.rule}${where}: ${f.message}${f.fix ? `\n      ${st.dim(`fix: ${f.fix}`)}` : ''}`;
}

/** `schemabot models` for a person at a terminal. */
export function renderModelsTerminal(report: ModelsReport, st: Style = PLAIN): string {
  const out = [
    `Schemabot models · PostgreSQL ${report.postgres.version} (${report.postgres.provider}) · ` +
      `${report.models.tables} model tables from ${report.models.source} vs ${report.migrations.applied} migrations`,
    '',
  ];
  if (report.changes.length) {
    out.push('Migrations → models (+ only the models declare it, - only the migrations create it):');
    out.push(...report.changes.map((c) => `  ${changeLine(c)}`), '');
  }
  // Each difference is a `model-drift` finding too; the list above already says it.
  const other = report.findings.filter((f) => f.rule !== 'model-drift');
  if (other.length) out.push('Findings:', ...other.map((f) => findingLine(f, st)), '');
  out.push(
    report.ok
      ? st.green(`✔ The models and the migrations agree · ${duration(report.durationMs)}`)
      : st.red(
          report.migrations.failed
            ? `✖ Migration ${report.migrations.failed} failed: nothing compared · ${duration(report.durationMs)}`
            : `✖ ${report.changes.length} difference${report.changes.length === 1 ? '' : 's'} between the models and the migrations · ` +
                `run \`schemabot generate NAME\` to write the migration · ${duration(report.durationMs)}`,
        ),
  );
  return out.join('\n') + '\n';
}

/** `schemabot generate` for a person at a terminal. */
export function renderGenerateTerminal(report: GenerateReport, st: Style = PLAIN): string {
  const out = [
    `Schemabot generate · PostgreSQL ${report.postgres.version} (${report.postgres.provider})`,
    '',
  ];
  if (!report.file) {
    out.push(
      report.ok
        ? st.green('✔ The models and the migrations agree: nothing to generate.')
        : st.red('✖ Nothing was generated.'),
    );
    if (report.findings.length) out.push('', ...report.findings.map((f) => findingLine(f, st)));
    return out.join('\n') + '\n';
  }
  out.push(`Wrote ${report.file} (${report.operations} operations) for:`);
  out.push(...report.changes.map((c) => `  ${changeLine(c)}`), '');
  const p = report.proof;
  if (p) {
    const s = (label: string, step: { ok: boolean; ms: number } | null) =>
      !step ? st.dim(`${label} –`) : step.ok ? `${label} ${duration(step.ms)}` : st.red(`${label} FAILED`);
    out.push(
      `Proof on the migrated schema: ${[s('up', p.up), s('down', p.down), s('re-up', p.reup)].join(' · ')}` +
        (p.reversible === null ? '' : p.reversible ? ' · reversible' : st.red(' · NOT reversible')) +
        (p.up?.ok
          ? p.remaining.length
            ? st.red(` · ${p.remaining.length} differences left`)
            : ' · no drift left'
          : ''),
      '',
    );
  }
  if (report.findings.length) out.push('Findings:', ...report.findings.map((f) => findingLine(f, st)), '');
  out.push(
    report.ok
      ? st.green(
          `✔ ${report.file} brings the migrations to the models, and back · ${duration(report.durationMs)}`,
        )
      : st.red(
          `✖ ${report.file} needs work before it is committed (see the findings) · ${duration(report.durationMs)}`,
        ),
  );
  return out.join('\n') + '\n';
}
