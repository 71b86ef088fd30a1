import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { REPORT_SCHEMA, REPORT_SCHEMA_ID } from './contract/schema.js';

/**
 * Validation against the report schema (`docs/report.schema.json`), with messages for people: the path
 * in the report (`artifact.migrations[0].up.ms`) and what it must be.
 */

export interface Validation<T> {
  ok: boolean;
  /** The data, typed, when ok. */
  value?: T;
  /** The first problem found, as a sentence; empty when ok. */
  problem: string;
}

const instances = new Map<boolean, Ajv>();
const compiled = new Map<string, ValidateFunction>();

/**
 * The validator of one definition of the schema (`ForkArtifact`, `PullRequestRef`...) or, without one,
 * of any report. `strip` drops fields the schema does not list instead of refusing them (for data from
 * elsewhere: only known fields are kept).
 */
function validator(definition: string | undefined, strip: boolean): ValidateFunction {
  const key = `${definition ?? ''}:${strip}`;
  let validate = compiled.get(key);
  if (!validate) {
    let ajv = instances.get(strip);
    if (!ajv) {
      ajv = new Ajv({ removeAdditional: strip, verbose: true, strict: false, allErrors: false });
      instances.set(strip, ajv);
    }
    // A definition is compiled as a schema of its own, carrying the definitions its `$ref`s name:
    // reaching it as a fragment of the report schema compiles the whole report first (a few hundred
    // ms for the four fields of a PullRequestRef).
    const { definitions } = REPORT_SCHEMA as { definitions: Record<string, object | undefined> };
    const schema = definition ? definitions[definition] : REPORT_SCHEMA;
    // A misspelt name would otherwise compile to a schema that accepts anything.
    if (!schema) throw new Error(`The report schema has no definition ${definition}.`);
    validate = definition
      ? ajv.compile({
          ...schema,
          $id: `${REPORT_SCHEMA_ID.replace(/\.json$/, '')}/${definition}.json`,
          definitions,
        })
      : ajv.compile(REPORT_SCHEMA);
    compiled.set(key, validate);
  }
  return validate;
}

/** `/migrations/0/up/ms` under `artifact` → `artifact.migrations[0].up.ms`. */
function place(root: string, pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((at, p) => (/^\d+$/.test(p) ? `${at}[${p}]` : `${at}.${p}`), root);
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a finite number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** One schema error as a sentence naming where it is and what is expected. */
export function describeError(root: string, error: ErrorObject): string {
  const at = place(root, error.instancePath);
  const parent = (error.parentSchema ?? {}) as { minimum?: number; description?: string; type?: string };
  const atLeast = (what: string) => (parent.minimum === undefined ? what : `${what} ≥ ${parent.minimum}`);
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${at}.${String(p.missingProperty)} is missing.`;
    case 'type': {
      const types = String(p.type).split(',');
      return `${at} must be ${atLeast(types.map((t) => ARTICLE[t] ?? t).join(' or '))}.`;
    }
    case 'minimum':
      return `${at} must be ${atLeast(ARTICLE[parent.type ?? ''] ?? 'a number')}.`;
    case 'const':
      return at.endsWith('.schemaVersion')
        ? `${at} must be ${JSON.stringify(p.allowedValue)} (written by a different Schemabot version?).`
        : `${at} must be ${JSON.stringify(p.allowedValue)}.`;
    case 'enum':
      return `${at} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}.`;
    case 'maxLength':
      return `${at} must be at most ${String(p.limit)} characters long.`;
    case 'maxItems':
      return `${at} must be an array of at most ${String(p.limit)} items.`;
    case 'pattern':
      return `${at} must be ${parent.description ?? `text matching ${String(p.pattern)}`}.`;
    default:
      return `${at} ${error.message ?? 'does not match the report schema'}.`;
  }
}

/**
 * Validates `data` against one definition of the report schema (or, without one, as any report); `root`
 * names the data in the message. With `strip`, fields the schema does not know are removed from `data`.
 */
export function validateReport<T>(
  data: unknown,
  options: { definition?: string; root?: string; strip?: boolean } = {},
): Validation<T> {
  const validate = validator(options.definition, options.strip ?? false);
  if (validate(data)) return { ok: true, value: data as T, problem: '' };
  const [first] = validate.errors ?? [];
  return {
    ok: false,
    problem: first ? describeError(options.root ?? 'report', first) : 'it does not match the report schema.',
  };
}
