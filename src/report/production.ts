import { summarizeChange, type Change } from '../diff/index.js';
import { ROW_COUNT_CAP } from '../inspect/rows.js';
import { duration } from './format.js';
import { code, fence } from './markdown.js';
import { PLAIN, type Style } from './terminal.js';
import type {
  MigrationState,
  ProductionReport,
  ProductionStep,
  RehearsalReport,
  RollbackReport,
  StampReport,
  StatusReport,
  UpgradeReport,
} from './contract/production.js';

function header(report: ProductionReport, st: Style): string {
  const pg = report.postgres ? ` (PostgreSQL ${report.postgres.version})` : '';
  return st.bold(`schemabot ${report.mode}`) + ` ${report.database}${pg}`;
}

function stateLines(state: MigrationState, st: Style): string[] {
  const out = [`Current: ${state.current ?? st.dim('none (no migration applied)')}`];
  out.push(`Applied (${state.applied.length}):`);
  const missing = new Set(state.missing);
  for (const name of state.applied) {
    out.push(
      missing.has(name)
        ? `  ${st.red('✖')} ${name} ${st.red('(file missing)')}`
        : `  ${st.green('✔')} ${name}`,
    );
  }
  out.push(`Pending (${state.pending.length}):`);
  const late = new Set(state.outOfOrder);
  for (const name of state.pending) {
    out.push(
      `  ${st.yellow('·')} ${name}${late.has(name) ? st.yellow(' (out of order: sorts before the current one)') : ''}`,
    );
  }
  return out;
}

function changeLines(title: string, changes: Change[]): string[] {
  if (!changes.length) return [`${title}: none`];
  return [`${title} (${changes.length}):`, ...changes.map((c) => `  ${summarizeChange(c)}`)];
}

/** The SQL each rehearsed step ran, like Alembic's offline `--sql`. */
function sqlLines(rehearsal: RehearsalReport | null): string[] {
  if (!rehearsal) return [];
  const out: string[] = [];
  for (const s of rehearsal.steps) {
    const how = s.transaction ? 'in a transaction' : `outside a transaction: ${s.outsideTransaction ?? ''}`;
    out.push(`-- ${s.name} (${s.direction}, ${how})`);
    if (!s.statements.length) out.push('-- (no statements)');
    for (const q of s.statements)
      out.push(q.sql.trimEnd().endsWith(';') ? q.sql.trimEnd() : `${q.sql.trimEnd()};`);
    out.push('');
  }
  return out;
}

function stepLine(s: ProductionStep, verb: string, st: Style): string {
  const notes = [
    duration(s.ms),
    s.transaction
      ? 'one transaction'
      : st.yellow(`outside a transaction (${s.outsideTransaction ?? 'as planned'})`),
    ...(s.attempts > 1 ? [`${s.attempts} attempts`] : []),
    `${s.statements.length} statement(s)`,
  ];
  return `  ${st.green('✔')} ${verb} ${s.name} ${st.dim(notes.join(' · '))}`;
}

function failureLines(report: UpgradeReport | RollbackReport, st: Style): string[] {
  const f = report.failed;
  if (!f) return [];
  const out = [
    st.red(`  ✖ ${f.migration} FAILED`) +
      (f.rolledBack ? ' (its transaction was rolled back)' : st.red(' (NOT rolled back)')),
  ];
  out.push(`    ${f.error.message}`);
  if (f.error.detail) out.push(`    DETAIL: ${f.error.detail}`);
  if (f.error.hint) out.push(`    HINT: ${f.error.hint}`);
  if (f.error.sql) out.push(`    statement: ${f.error.sql}`);
  if (f.error.file) out.push(`    at ${f.error.file}${f.error.line ? `:${f.error.line}` : ''}`);
  return out;
}

function verdict(report: ProductionReport, st: Style): string[] {
  if (report.ok && !report.error) return [st.green(`OK (${duration(report.durationMs)})`)];
  return [st.red(`FAILED: ${report.error ?? 'see above'}`)];
}

function renderStatus(r: StatusReport, st: Style): string[] {
  const out = stateLines(r, st);
  if (r.heads) out.push(`Heads (${r.heads.length}): ${r.heads.join(', ')}`);
  if (r.missing.length) out.push(st.red(`Missing files (${r.missing.length}): ${r.missing.join(', ')}`));
  if (r.drift !== null) out.push(...changeLines('Drift (live schema vs replayed migrations)', r.drift));
  return out;
}

function renderUpgrade(r: UpgradeReport, st: Style): string[] {
  const out: string[] = [];
  if (r.drift?.length)
    out.push(...changeLines(st.yellow('Drift (live schema vs replayed migrations)'), r.drift));
  if (r.dryRun) {
    out.push(`Plan: apply ${r.pending.before.length} migration(s) (dry run: nothing was changed)`);
    out.push(...sqlLines(r.rehearsal));
    out.push(...changeLines('Schema changes (rehearsed)', r.changes));
  } else {
    for (const s of r.applied) out.push(stepLine(s, 'applied', st));
    out.push(...failureLines(r, st));
    if (r.applied.length || r.failed) out.push(...changeLines('Schema changes', r.changes));
  }
  if (r.rehearsal && !r.rehearsal.ok && r.rehearsal.error)
    out.push(st.red(`Rehearsal: ${r.rehearsal.error}`));
  out.push(...dataLossLines(r, 'the pending migrations', st));
  out.push(...cancelLines(r, st));
  out.push(...stateLines(r.state, st));
  return out;
}

function dataLossLines(r: UpgradeReport | RollbackReport, what: string, st: Style): string[] {
  if (!r.dataLoss?.length) return [];
  const out = [st.yellow(`Data destroyed by ${what} (${r.dataLoss.length}):`)];
  for (const l of r.dataLoss) {
    const rows =
      l.rows === null
        ? 'not counted'
        : `${l.rows}${l.rows >= ROW_COUNT_CAP ? '+' : ''} ${l.kind === 'column' ? 'value(s)' : 'row(s)'} in production`;
    out.push(
      `  ${l.kind} ${l.name}: ${rows}${l.operation ? ` — ${l.migration ? `${l.migration} ` : ''}${l.operation}` : ''}`,
    );
  }
  return out;
}

function cancelLines(r: ProductionReport, st: Style): string[] {
  return 'cancelled' in r && r.cancelled ? [st.red(r.cancelled.message)] : [];
}

function renderRollback(r: RollbackReport, st: Style): string[] {
  const out = [`Target: ${r.target ?? 'none (revert every applied migration)'}`];
  out.push(`Plan: revert ${r.plan.length} migration(s)${r.plan.length ? `: ${r.plan.join(', ')}` : ''}`);
  out.push(...dataLossLines(r, 'the downs', st));
  if (r.dryRun) {
    out.push('(dry run: nothing was changed)');
    out.push(...sqlLines(r.rehearsal));
    out.push(...changeLines('Schema changes (rehearsed)', r.changes));
  } else {
    for (const s of r.reverted) out.push(stepLine(s, 'reverted', st));
    out.push(...failureLines(r, st));
    if (r.reverted.length || r.failed) out.push(...changeLines('Schema changes', r.changes));
  }
  if (r.rehearsal && !r.rehearsal.ok && r.rehearsal.error)
    out.push(st.red(`Rehearsal: ${r.rehearsal.error}`));
  out.push(...cancelLines(r, st));
  out.push(...stateLines(r.state, st));
  return out;
}

function renderStamp(r: StampReport, st: Style): string[] {
  const out = [r.added.length ? `Stamped as applied (${r.added.length}):` : `Nothing to stamp up to ${r.to}`];
  for (const name of r.added) out.push(`  ${st.green('+')} ${name}`);
  out.push(...stateLines(r.state, st));
  return out;
}

/** The report of a production mode for a person at a terminal. */
export function renderProduction(report: ProductionReport, st: Style): string {
  const body =
    report.mode === 'status'
      ? renderStatus(report, st)
      : report.mode === 'upgrade'
        ? renderUpgrade(report, st)
        : report.mode === 'rollback'
          ? renderRollback(report, st)
          : renderStamp(report, st);
  return [header(report, st), ...body, ...verdict(report, st)].join('\n') + '\n';
}

/**
 * The Markdown job summary of a production run: a verdict line, the merge gate's word (upgrade)
 * and the report as the CLI prints it, cut to fit `limitBytes`.
 */
export function productionSummary(report: ProductionReport, gate: string | null, limitBytes: number): string {
  const dry = 'dryRun' in report && report.dryRun ? ' (dry run)' : '';
  let text = renderProduction(report, PLAIN).replace(/~~~/g, '~ ~ ~');
  const head = [`### ${report.ok ? '✅' : '❌'} Schemabot ${report.mode}${dry}`, ''];
  if (gate) head.push(gate, '');
  if (report.error) head.push(`**${report.error}**`, '');
  const fixed = head.join('\n') + '\n~~~text\n\n~~~\n';
  const room = limitBytes - Buffer.byteLength(fixed, 'utf8') - 200;
  if (Buffer.byteLength(text, 'utf8') > room) {
    text =
      Buffer.from(text, 'utf8')
        .subarray(0, room)
        .toString('utf8')
        .replace(/\uFFFD$/, '') +
      '\n… (shortened to fit the 1 MiB job summary; the whole report is the JSON file at report-path)';
  }
  return head.join('\n') + '\n~~~text\n' + text.replace(/\n$/, '') + '\n~~~\n';
}

/** The job summary when the merge gate refuses an upgrade. */
export function gateRefusedSummary(message: string): string {
  return `### ❌ Schemabot upgrade refused\n\n${message}\n`;
}

/** The comment on a merged pull request whose migrations an upgrade applied. */
/**
 * The comment on a merged pull request. It names the target by its environment name only: a pull
 * request may be public, and the connection (host, port, user, database) is nobody's business there.
 */
export function upgradeComment(
  report: UpgradeReport,
  runUrl: string | undefined,
  environment = 'production',
): string {
  const applied = report.applied.filter((s) => s.ok);
  const f = report.failed;
  const target = code(environment);
  const heading = f
    ? `### ❌ Schemabot upgrade stopped at ${code(f.migration)} on ${target}`
    : `### ✅ Schemabot upgrade: ${applied.length} migration${applied.length === 1 ? '' : 's'} applied to ${target}`;
  const lines = [heading, ''];
  if (applied.length) {
    if (f) lines.push(`Applied and recorded before it (${applied.length}):`, '');
    lines.push(...applied.map((s) => `- ${code(s.name)} (${Math.round(s.ms)} ms)`), '');
  }
  if (f) {
    lines.push(
      f.rolledBack
        ? `${code(f.migration)} failed and its transaction was rolled back: nothing of it stays in the database, and it is not recorded as applied.`
        : `${code(f.migration)} failed outside a transaction (it has statements PostgreSQL runs only outside one): what ran before the failing statement stays. It is not recorded as applied; check the schema before running it again.`,
      '',
      fence(f.error.message.trim()),
      '',
    );
  }
  lines.push(
    `Now at ${code(report.current ?? 'none')}${report.state.pending.length ? `, ${report.state.pending.length} still pending` : ''}.` +
      (runUrl ? ` [Workflow run](${runUrl})` : ''),
  );
  return lines.join('\n');
}
