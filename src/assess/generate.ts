import type { Finding } from '../report/contract/check.js';
import type { GenerateProof } from '../report/contract/models.js';

/** What a generated migration leaves to a person: a `generate-todo` warning per TODO in the file. */
export function todoFindings(todos: string[], name: string, file: string): Finding[] {
  return todos.map((t) => ({
    rule: 'generate-todo',
    severity: 'warning',
    migration: name,
    file,
    message: t,
    fix: 'Decide, edit the TODO in the file, then run `schemabot check`.',
  }));
}

/** What the proof of a generated migration (or revision) failed: `generate-unproven` errors. */
export function proofFindings(
  proof: GenerateProof,
  name: string,
  file: string,
  hasTodos: boolean,
): Finding[] {
  const findings: Finding[] = [];
  const fail = (message: string, fix: string) =>
    findings.push({ rule: 'generate-unproven', severity: 'error', migration: name, file, message, fix });
  if (!proof.up?.ok)
    fail(
      `the generated up failed: ${proof.up?.error?.message.split('\n')[0] ?? 'not run'}.`,
      'Edit the generated migration (or the model) until it runs.',
    );
  else if (!proof.down?.ok)
    fail(
      `the generated down failed: ${proof.down?.error?.message.split('\n')[0]}.`,
      'Edit the generated down until it runs.',
    );
  else if (!proof.reversible)
    fail(
      `the generated down did not restore the schema (${proof.residue.length} differences${proof.residue.length ? `: ${proof.residue.map((c) => `${c.action} ${c.kind} ${c.name}`).join(', ')}` : ''}).`,
      'Edit the generated down.',
    );
  else if (proof.reup && !proof.reup.ok)
    fail(
      `the generated up failed when run again after its down: ${proof.reup.error?.message.split('\n')[0]}.`,
      'Edit the generated down so that it undoes everything up does.',
    );
  if (proof.up?.ok && proof.remaining.length && !hasTodos) {
    fail(
      `after the generated up, ${proof.remaining.length} differences remain between the models and the migrations.`,
      'Complete the migration by hand; `schemabot models` lists them.',
    );
  }
  return findings;
}
