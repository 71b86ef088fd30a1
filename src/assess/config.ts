import { EnvironmentError } from '../shared/errors.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { HAZARD_RULES } from './hazards.js';
import type { Finding, Severity } from '../report/contract/check.js';

/**
 * The project's `.schemabot.yml`: per-rule severities (or `off`) and the severity that fails the
 * check, plus suppressions written in migration files (`// schemabot-ignore: RULE reason`).
 *
 * ```yaml
 * fail-on: error            # error | warning | info | never
 * rules:
 *   drop-column: warning    # error | warning | info | off
 *   access-exclusive-lock: off
 * models: src/db/index.js   # the module exporting the app's Sequelize instance, or false
 * ```
 */

export type RuleSetting = Severity | 'off';
export type FailOn = Severity | 'never';

export interface HazardConfig {
  /** Findings at this severity or above (and not suppressed) fail the check. */
  failOn: FailOn;
  /** Severity overrides by rule name; `off` drops the rule's findings. */
  rules: Record<string, RuleSetting>;
  /** The file the settings came from, relative to the project; absent when there is none. */
  file?: string;
  /**
   * Where the models are (a module exporting the Sequelize instance, or a folder), relative to the
   * project; `false` turns the models comparison off; absent: `models-path` of `.sequelizerc`.
   */
  models?: string | false;
  /**
   * What the models comparison covers (`models: on | strict`): `migrated` (`on`) only the tables these
   * migrations create, for a matrix over migration folders; `strict` everything; absent: the tables
   * some model declares. `models: off` is `models: false`.
   */
  modelsScope?: 'migrated' | 'strict';
}

/** A finding after configuration: suppressed ones stay in the report, marked, and never fail the check. */
export type ConfiguredFinding = Finding & { suppressed?: { reason: string } };

/** Rule names the round-trip engine and the migration plan produce (the hazard rules are in hazards.ts). */
export const ENGINE_RULES = [
  'up-failed',
  'down-failed',
  'missing-down',
  'enum-left-behind',
  'irreversible',
  'reup-failed',
  'reup-differs',
  'base-migration-failed',
  'replay-failed',
  'duplicate-migration',
  'edited-migration',
  'renamed-migration',
  'deleted-migration',
  'out-of-order',
  'model-drift',
  'models-not-loaded',
  'unawaited-work',
  'multiple-heads',
  'branch-off-old-revision',
] as const;

export const CONFIG_FILES = ['.schemabot.yml', '.schemabot.yaml'];
const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
const RULE_SETTINGS: readonly RuleSetting[] = [...SEVERITIES, 'off'];
const FAIL_ON: readonly FailOn[] = [...SEVERITIES, 'never'];
// `env`, `loader`, `config`, `baseline` and `cache` are read by the migrate stage (how the project's code runs).
const RUNNER_KEYS = ['env', 'loader', 'config', 'baseline', 'cache'];
const TOP_LEVEL_KEYS = ['fail-on', 'rules', 'models', ...RUNNER_KEYS];

export const DEFAULT_CONFIG: HazardConfig = { failOn: 'error', rules: {} };

/** The configuration file is not valid: names the file, the key, and what is allowed (exit code 2). */
export class ConfigError extends EnvironmentError {
  constructor(
    message: string,
    readonly file: string,
    readonly key?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads `.schemabot.yml` (or `.schemabot.yaml`) from `projectDir`; the defaults when there is none.
 * `knownRules` are the rule names `rules:` may mention (default: the engine's and the hazard rules).
 */
export async function loadConfig(projectDir: string, knownRules?: Iterable<string>): Promise<HazardConfig> {
  for (const name of CONFIG_FILES) {
    let text: string;
    try {
      text = await readFile(join(projectDir, name), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError(`${name}: cannot be read: ${(e as Error).message}`, name);
    }
    return parseConfig(text, name, knownRules ?? [...ENGINE_RULES, ...Object.keys(HAZARD_RULES)]);
  }
  return { ...DEFAULT_CONFIG, rules: {} };
}

function allowed(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/** Parses and validates the text of a configuration file named `file` (for messages). */
export function parseConfig(text: string, file: string, knownRules: Iterable<string>): HazardConfig {
  const known = new Set(knownRules);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const at = (node: YamlNode | null | undefined): string => {
    const offset = node?.range?.[0];
    return offset === undefined ? file : `${file}:${lines.linePos(offset).line}`;
  };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new ConfigError(
      `${file}:${e.linePos?.[0]?.line ?? 1}: not valid YAML: ${e.message.split('\n')[0]}`,
      file,
    );
  }
  const config: HazardConfig = { failOn: DEFAULT_CONFIG.failOn, rules: {}, file };
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return config;
  if (!isMap(root)) {
    throw new ConfigError(`${at(root)}: expected a mapping with the keys ${allowed(TOP_LEVEL_KEYS)}.`, file);
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const value = pair.value as YamlNode | null;
    if (key === 'fail-on') {
      const v = isScalar(value) ? value.value : undefined;
      if (typeof v !== 'string' || !FAIL_ON.includes(v as FailOn)) {
        throw new ConfigError(
          `${at(value ?? (pair.key as YamlNode))}: "fail-on" must be one of ${allowed(FAIL_ON)} (got ${JSON.stringify(v ?? null)}).`,
          file,
          'fail-on',
        );
      }
      config.failOn = v as FailOn;
    } else if (key === 'models') {
      const v = isScalar(value) ? value.value : undefined;
      if (v === 'off' || v === 'on' || v === 'strict') {
        if (v === 'off') config.models = false;
        else config.modelsScope = v === 'on' ? 'migrated' : 'strict';
        continue;
      }
      if (v !== false && (typeof v !== 'string' || v === '')) {
        throw new ConfigError(
          `${at(value ?? (pair.key as YamlNode))}: "models" must be off, on, strict, false, or the path of the module that exports your Sequelize instance (or of your models folder) (got ${JSON.stringify(v ?? null)}).`,
          file,
          'models',
        );
      }
      config.models = v as string | false;
    } else if (key === 'rules') {
      if (value === null || (isScalar(value) && value.value === null)) continue;
      if (!isMap(value)) {
        throw new ConfigError(
          `${at(value)}: "rules" must be a mapping of rule name to ${allowed(RULE_SETTINGS)}.`,
          file,
          'rules',
        );
      }
      for (const rule of value.items) {
        const name = isScalar(rule.key) ? String(rule.key.value) : String(rule.key);
        if (!known.has(name)) {
          throw new ConfigError(
            `${at(rule.key as YamlNode)}: "rules.${name}" is not a Schemabot rule; known rules: ${[...known].sort().join(', ')}.`,
            file,
            `rules.${name}`,
          );
        }
        const v = isScalar(rule.value) ? rule.value.value : undefined;
        if (typeof v !== 'string' || !RULE_SETTINGS.includes(v as RuleSetting)) {
          throw new ConfigError(
            `${at((rule.value as YamlNode) ?? (rule.key as YamlNode))}: "rules.${name}" must be one of ${allowed(RULE_SETTINGS)} (got ${JSON.stringify(v ?? null)}).`,
            file,
            `rules.${name}`,
          );
        }
        config.rules[name] = v as RuleSetting;
      }
    } else if (!RUNNER_KEYS.includes(key)) {
      throw new ConfigError(
        `${at(pair.key as YamlNode)}: unknown key "${key}"; allowed keys: ${allowed(TOP_LEVEL_KEYS)}.`,
        file,
        key,
      );
    }
  }
  return config;
}

export interface Suppression {
  rule: string;
  reason: string;
  line: number;
}

const IGNORE_COMMENT = /\/\/\s*schemabot-ignore:\s*([A-Za-z0-9_-]+)\s*(.*)$/;

/** `// schemabot-ignore: RULE reason` comments in a migration file's source (JavaScript, not SQL). */
export function suppressionsIn(source: string): Suppression[] {
  const out: Suppression[] = [];
  for (const [i, text] of source.split(/\r?\n/).entries()) {
    const m = IGNORE_COMMENT.exec(text);
    if (m) out.push({ rule: m[1]!, reason: m[2]!.trim(), line: i + 1 });
  }
  return out;
}

/** A migration file's text by its path in the report, for its `schemabot-ignore` comments (`Map` is one). */
export interface SourceLookup {
  get(file: string): string | undefined;
}

/**
 * Applies the configuration to findings (the engine's and the hazard rules' alike): rules set to
 * `off` are dropped, severities overridden, and findings whose migration file carries a
 * `// schemabot-ignore: RULE reason` comment for their rule are kept but marked `suppressed`.
 * `sources` gives a finding's `file`'s text (read only for files that have a finding).
 */
export function applyConfig(
  findings: Finding[],
  config: HazardConfig,
  sources: SourceLookup,
): ConfiguredFinding[] {
  const suppressions = new Map<string, Suppression[]>();
  const suppressionsOf = (file: string): Suppression[] => {
    if (!suppressions.has(file)) suppressions.set(file, suppressionsIn(sources.get(file) ?? ''));
    return suppressions.get(file)!;
  };
  const out: ConfiguredFinding[] = [];
  for (const f of findings) {
    const setting = config.rules[f.rule];
    if (setting === 'off') continue;
    const configured: ConfiguredFinding = { ...f, ...(setting ? { severity: setting } : {}) };
    const s = f.file ? suppressionsOf(f.file).find((x) => x.rule === f.rule) : undefined;
    if (s) configured.suppressed = { reason: s.reason || '(no reason given)' };
    out.push(configured);
  }
  return out;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** The findings that fail the check under `config.failOn` (suppressed ones never do). */
export function failingFindings(findings: ConfiguredFinding[], config: HazardConfig): ConfiguredFinding[] {
  if (config.failOn === 'never') return [];
  const limit = RANK[config.failOn];
  return findings.filter((f) => !f.suppressed && RANK[f.severity] <= limit);
}
