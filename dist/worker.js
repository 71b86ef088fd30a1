import { createRequire as __schemabotCreateRequire } from 'node:module'; import { fileURLToPath as __schemabotFileURLToPath } from 'node:url'; const require = __schemabotCreateRequire(import.meta.url); const __filename = __schemabotFileURLToPath(import.meta.url); const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));
import {
  esm_default
} from "./chunks/chunk-NEOG2NI4.js";
import {
  require_pg_connection_string
} from "./chunks/chunk-H3F4CYK2.js";
import {
  __callDispose,
  __toESM,
  __using
} from "./chunks/chunk-CHXII7AT.js";

// src/migrate/worker/main.ts
import { writeSync } from "node:fs";
import { createInterface } from "node:readline";

// src/migrate/worker/errors.ts
import { realpathSync } from "node:fs";
import { isAbsolute, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
function stackFrames(stack) {
  if (!stack) return [];
  const frames = [];
  for (const raw of stack.split("\n")) {
    const match = /^\s*at (?:.*?\()?((?:file:\/\/)?[^():]+):(\d+):\d+\)?\s*$/.exec(raw);
    if (!match) continue;
    let file = match[1];
    if (file.startsWith("file://")) {
      try {
        file = fileURLToPath(file.split("?")[0]);
      } catch {
        continue;
      }
    }
    if (!isAbsolute(file)) continue;
    frames.push({ file, line: Number(match[2]) });
  }
  return frames;
}
function real(path) {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
function locate(stacks, migrationPath, projectRoot) {
  const target = /* @__PURE__ */ new Set([migrationPath, real(migrationPath)]);
  const frames = stacks.flatMap((s) => stackFrames(s));
  const inMigration = frames.find((f) => target.has(f.file) || target.has(real(f.file)));
  if (inMigration) return inMigration;
  const root = real(projectRoot) + sep;
  return frames.find((f) => {
    const file = real(f.file);
    return (file.startsWith(root) || f.file.startsWith(projectRoot + sep)) && !file.includes(`${sep}node_modules${sep}`);
  });
}
function projectRelative(file, projectRoot) {
  const rel = relative(projectRoot, file);
  const shown = rel.startsWith("..") || isAbsolute(rel) ? relative(real(projectRoot), real(file)) : rel;
  return (shown.startsWith("..") ? file : shown).split(sep).join("/");
}
function asErrorLike(value) {
  return value && typeof value === "object" ? value : void 0;
}
function str(value) {
  return typeof value === "string" && value !== "" ? value : void 0;
}
function chain(error) {
  const out = [];
  const seen = /* @__PURE__ */ new Set();
  let current2 = error;
  while (current2 && typeof current2 === "object" && !seen.has(current2) && out.length < 10) {
    seen.add(current2);
    const e = current2;
    out.push(e);
    current2 = e.original ?? e.parent ?? e.cause;
  }
  return out;
}
function messageOf(error) {
  const e = asErrorLike(error);
  if (e && typeof e.message === "string" && e.message !== "") return e.message;
  if (e && typeof e.name === "string") return e.name;
  try {
    return typeof error === "string" ? error : JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
function describeError(error, migrationPath, projectRoot, extraStacks = []) {
  const links = chain(error);
  const pgError = links.find((e) => typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code));
  const withSql = links.find((e) => str(e.sql) !== void 0);
  const info = { message: messageOf(pgError ?? error) };
  const first = links[0];
  if (first && Array.isArray(first.errors) && first.errors.length > 0 && info.message.length < 200) {
    const parts = first.errors.map((e) => messageOf(e)).filter((m) => !info.message.includes(m));
    if (parts.length > 0) info.message += `: ${parts.join("; ")}`;
  }
  if (withSql) info.sql = str(withSql.sql);
  if (pgError) {
    info.code = pgError.code;
    const detail = str(pgError.detail);
    const hint = str(pgError.hint);
    if (detail) info.detail = detail;
    if (hint) info.hint = hint;
    const position = Number(pgError.position);
    if (Number.isInteger(position) && position > 0) info.position = position;
  }
  const stacks = [...links.map((e) => typeof e.stack === "string" ? e.stack : void 0), ...extraStacks];
  const frame = locate(stacks, migrationPath, projectRoot);
  info.file = projectRelative(frame?.file ?? migrationPath, projectRoot);
  if (frame) info.line = frame.line;
  return info;
}

// src/migrate/worker/loader.ts
import { existsSync as existsSync3, readFileSync as readFileSync3, statSync as statSync2 } from "node:fs";
import { createRequire as createRequire2 } from "node:module";
import { dirname as dirname2, join as join3, sep as sep3 } from "node:path";
import { pathToFileURL as pathToFileURL2 } from "node:url";

// src/migrate/worker/project.ts
import { existsSync as existsSync2, readFileSync as readFileSync2, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute as isAbsolute2, join as join2, relative as relative3, resolve } from "node:path";
import { pathToFileURL } from "node:url";

// src/migrate/worker/env.ts
import { existsSync, readFileSync } from "node:fs";
import { join, relative as relative2, sep as sep2 } from "node:path";
async function recordingUnsetEnv(fn) {
  const original = process.env;
  const unset = /* @__PURE__ */ new Set();
  process.env = new Proxy(original, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (value === void 0 && typeof key === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
        unset.add(key);
      return value;
    }
  });
  try {
    return { value: await fn(), unset: [...unset] };
  } catch (error) {
    throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
      unsetEnv: [...unset]
    });
  } finally {
    process.env = original;
  }
}
function unsetEnvOf(error) {
  const list = error?.unsetEnv;
  return Array.isArray(list) ? list : [];
}
function unsetEnvAdvice(unset) {
  if (unset.length === 0) return "";
  const shown = unset.slice(0, 8).join(", ") + (unset.length > 8 ? `, and ${unset.length - 8} more` : "");
  return ` It read these environment variables, which are not set: ${shown}. Set them in the step's \`env:\`, map them to the throwaway database in .schemabot.yml (\`env: { ${unset[0]}: "{url}" }\`; placeholders {url} {host} {port} {user} {password} {database}), or run without the config file with \`config: none\` (the defaults of \`sequelize-cli --url\` then apply).`;
}
var BUILD_FOLDERS = /* @__PURE__ */ new Set(["build", "dist", "out", "lib", ".build", "compiled"]);
function buildOutputAdvice(file, cwd) {
  const parts = relative2(cwd, file).split(sep2);
  const folder = parts.slice(0, -1).find((p) => BUILD_FOLDERS.has(p));
  if (!folder) return "";
  let script = "";
  try {
    const pkg = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8"));
    const name = ["build", "compile", "build:ts", "tsc"].find((n) => pkg.scripts?.[n]);
    if (name) script = ` (\`npm run ${name}\`, which runs \`${pkg.scripts[name]}\`)`;
  } catch {
  }
  const tsconfig = existsSync(join(cwd, "tsconfig.json")) ? " or `npx tsc`" : "";
  return ` It is in ${folder}/, a build output: run the project's build${script || tsconfig} in a step before Schemabot, or point the setting at the source file.`;
}
function missingPackage(error) {
  const e = error;
  if (e?.code !== "MODULE_NOT_FOUND" && e?.code !== "ERR_MODULE_NOT_FOUND") return void 0;
  const m = /Cannot find (?:module|package) '([^']+)'/.exec(String(e.message));
  const id = m?.[1];
  if (!id || id.startsWith(".") || id.startsWith("/") || id.startsWith("file:")) return void 0;
  return id;
}
function missingFile(error) {
  const e = error;
  if (e?.code !== "MODULE_NOT_FOUND" && e?.code !== "ERR_MODULE_NOT_FOUND") return void 0;
  const m = /Cannot find (?:module|package) '([^']+)'/.exec(String(e.message));
  const id = m?.[1];
  return id && (id.startsWith("/") || id.startsWith(".")) ? id : void 0;
}

// src/migrate/worker/project.ts
var ProjectError = class extends Error {
  /** The setting involved, e.g. `.sequelizerc "migrations-path"`. */
  setting;
  /** Environment variables the failing file read that were not set. */
  unsetEnv;
  constructor(message, options) {
    super(message, options?.cause === void 0 ? void 0 : { cause: options.cause });
    this.name = "ProjectError";
    this.setting = options?.setting;
    if (options?.unsetEnv?.length) this.unsetEnv = options.unsetEnv;
  }
};
async function loadProject(options) {
  const cwd = resolve(options.cwd);
  if (!existsSync2(cwd) || !statSync(cwd).isDirectory()) {
    throw new ProjectError(`Project folder ${cwd} does not exist. Check --cwd.`, { setting: "--cwd" });
  }
  const rcFile = join2(cwd, ".sequelizerc");
  const rc = existsSync2(rcFile) ? await readRcFile(rcFile, cwd) : {};
  const optionsPath = rcString(rc, "options-path");
  if (optionsPath) Object.assign(rc, readJsonOptions(resolve(cwd, optionsPath)));
  const env = options.nodeEnv || rcString(rc, "env") || process.env.NODE_ENV || "development";
  let migrationsDir;
  let migrationsSetting;
  if (options.migrationsPath !== void 0) {
    migrationsDir = resolve(cwd, options.migrationsPath);
    migrationsSetting = "--migrations-path";
  } else if (rcString(rc, "migrations-path") !== void 0) {
    migrationsDir = resolve(cwd, rcString(rc, "migrations-path"));
    migrationsSetting = '.sequelizerc "migrations-path"';
  } else {
    migrationsDir = join2(cwd, "migrations");
    migrationsSetting = 'the default "migrations" folder (set "migrations-path" in .sequelizerc to change it)';
  }
  if (!existsSync2(migrationsDir) || !statSync(migrationsDir).isDirectory()) {
    throw new ProjectError(
      `Migrations folder not found: ${migrationsDir} (from ${migrationsSetting}). Point --migrations-path or .sequelizerc "migrations-path" at the folder that holds your migrations.`,
      { setting: migrationsSetting }
    );
  }
  const modelsPath = rcString(rc, "models-path");
  const defaultModels = join2(cwd, "models");
  const modelsDir = modelsPath !== void 0 ? resolve(cwd, modelsPath) : existsSync2(defaultModels) ? defaultModels : void 0;
  const configFile = options.config === "none" ? void 0 : findConfigFile(cwd, rc);
  const config = configFile ? await readConfig(configFile, cwd, env) : {};
  const storage = config.migrationStorage;
  if (storage !== void 0 && storage !== "sequelize") {
    throw new ProjectError(
      `${relative3(cwd, configFile)} sets migrationStorage to ${JSON.stringify(storage)}; Schemabot records migrations in the database only ("sequelize" storage, the sequelize-cli default). Remove the setting.`,
      { setting: "migrationStorage" }
    );
  }
  const table = nonEmptyString(config.migrationStorageTableName) ?? "SequelizeMeta";
  const define = config.define && typeof config.define === "object" ? config.define : {};
  const schema = nonEmptyString(config.migrationStorageTableSchema) ?? nonEmptyString(define.schema);
  const urlEnvVariable = nonEmptyString(config.use_env_variable);
  return {
    runner: "sequelize",
    cwd,
    migrationsDir,
    modelsDir,
    configFile,
    env,
    config,
    meta: schema ? { schema, table } : { table },
    rcFile: existsSync2(rcFile) ? rcFile : void 0,
    urlEnvVariable
  };
}
function nonEmptyString(value) {
  return typeof value === "string" && value !== "" ? value : void 0;
}
function rcString(rc, kebab) {
  const camel = kebab.replace(/-([a-z])/g, (_m, c) => c.toUpperCase());
  const value = rc[kebab] ?? rc[camel];
  return typeof value === "string" ? value : void 0;
}
function inFolder(dir, fn) {
  let previous;
  try {
    previous = process.cwd();
    process.chdir(dir);
  } catch {
    previous = void 0;
  }
  try {
    return fn();
  } finally {
    if (previous !== void 0) process.chdir(previous);
  }
}
async function readRcFile(rcFile, cwd) {
  const req = createRequire(rcFile);
  try {
    const resolved = req.resolve(rcFile);
    delete req.cache[resolved];
    const { value } = await recordingUnsetEnv(() => inFolder(cwd, () => req(rcFile)));
    const plain = JSON.parse(JSON.stringify(value ?? {}));
    return plain && typeof plain === "object" ? plain : {};
  } catch (error) {
    throw loadFailure(error, ".sequelizerc", rcFile, cwd, "Fix the file.");
  }
}
function loadFailure(error, setting, file, cwd, fallback) {
  const shown = relative3(cwd, file) || file;
  const unsetEnv = unsetEnvOf(error);
  const pkg = missingPackage(error);
  if (pkg) {
    return new ProjectError(
      `${shown} requires the package "${pkg}", which is not installed. Install the project's dependencies (\`npm ci\`) in a step before Schemabot.`,
      { cause: error, setting }
    );
  }
  const missing = missingFile(error);
  if (missing) {
    const requirer = /Require stack:\n- (.+)/.exec(errorMessage(error))?.[1] ?? file;
    const target = isAbsolute2(missing) ? missing : resolve(dirname(requirer), missing);
    const build = buildOutputAdvice(target, cwd);
    return new ProjectError(
      `${shown} requires ${relative3(cwd, target) || target}, which does not exist.` + (build || " Fix the path.") + unsetEnvAdvice(unsetEnv),
      { cause: error, setting, unsetEnv }
    );
  }
  const first = errorMessage(error).split("\n")[0];
  return new ProjectError(
    `${shown} failed while loading: ${first}.` + (unsetEnv.length ? unsetEnvAdvice(unsetEnv) : ` ${fallback}`),
    { cause: error, setting, unsetEnv }
  );
}
function readJson(file) {
  return JSON.parse(readFileSync2(file, "utf8").replace(/^\uFEFF/, ""));
}
function readJsonOptions(file) {
  try {
    return readJson(file);
  } catch (error) {
    throw new ProjectError(`Could not read the options file ${file} named by .sequelizerc "options-path".`, {
      cause: error,
      setting: '.sequelizerc "options-path"'
    });
  }
}
function findConfigFile(cwd, rc) {
  const configured = rcString(rc, "config");
  if (configured !== void 0) {
    const file = resolve(cwd, configured);
    if (!existsSync2(file)) {
      throw new ProjectError(
        `Config file not found: ${relative3(cwd, file) || file} (from .sequelizerc "config").` + (buildOutputAdvice(file, cwd) || " Fix the path or remove the setting.") + " Or run without it with `config: none` in .schemabot.yml.",
        { setting: '.sequelizerc "config"' }
      );
    }
    return file;
  }
  const js = join2(cwd, "config", "config.js");
  if (existsSync2(js)) return js;
  const json = join2(cwd, "config", "config.json");
  return existsSync2(json) ? json : void 0;
}
function errorMessage(error) {
  return error instanceof Error ? error.message : String(error);
}
async function importConfigModule(file, cwd) {
  if (file.endsWith(".json")) return readJson(file);
  if (/\.(cjs|js)$/.test(file)) {
    const req = createRequire(file);
    try {
      delete req.cache[req.resolve(file)];
      return inFolder(cwd, () => req(file));
    } catch (error) {
      if (!isEsmSyntaxError(error)) throw error;
    }
  }
  const ns = await import(pathToFileURL(file).href);
  return ns.default ?? ns;
}
function isEsmSyntaxError(error) {
  const code = error?.code;
  if (code === "ERR_REQUIRE_ESM" || code === "ERR_REQUIRE_ASYNC_MODULE") return true;
  return error instanceof Error && error.name === "SyntaxError" && /Cannot use import statement|Unexpected token 'export'|import\.meta|await is only valid/.test(
    error.message
  );
}
async function readConfig(file, cwd, env) {
  const shown = isAbsolute2(file) ? relative3(cwd, file) || file : file;
  let raw;
  try {
    ({ value: raw } = await recordingUnsetEnv(async () => {
      const loaded2 = await importConfigModule(file, cwd);
      if (typeof loaded2 === "function") {
        const fn = loaded2;
        return fn.length === 1 ? await new Promise(
          (ok, fail) => inFolder(cwd, () => fn((err, value) => err ? fail(err) : ok(value)))
        ) : await inFolder(cwd, () => fn());
      }
      return await loaded2;
    }));
  } catch (error) {
    throw loadFailure(error, "config", file, cwd, "Fix the config file.");
  }
  if (!raw || typeof raw !== "object") {
    throw new ProjectError(`Config must be an object or a promise for an object: ${shown}.`, {
      setting: "config"
    });
  }
  const all = raw;
  const section = all[env] && typeof all[env] === "object" ? all[env] : all;
  return { ...section };
}

// src/migrate/worker/loader.ts
var MigrationLoadError = class extends Error {
  file;
  line;
  constructor(message, file, line, cause) {
    super(message, { cause });
    this.name = "MigrationLoadError";
    this.file = file;
    this.line = line;
  }
};
var loadedStamps = /* @__PURE__ */ new Map();
function stampOf(file) {
  const st = statSync2(file);
  return `${st.mtimeMs}-${st.size}`;
}
function changedSinceLastLoad(file) {
  const stamp = stampOf(file);
  const previous = loadedStamps.get(file);
  loadedStamps.set(file, stamp);
  return previous !== void 0 && previous !== stamp;
}
function packageType(file) {
  let dir = dirname2(file);
  for (; ; ) {
    const pkg = join3(dir, "package.json");
    if (existsSync3(pkg)) {
      try {
        return JSON.parse(readFileSync3(pkg, "utf8")).type === "module" ? "module" : "commonjs";
      } catch {
        return "commonjs";
      }
    }
    const parent = dirname2(dir);
    if (parent === dir) return "commonjs";
    dir = parent;
  }
}
var freshLoads = 0;
async function importEsm(file, fresh = false) {
  const url2 = pathToFileURL2(file);
  if (changedSinceLastLoad(file)) url2.search = `?v=${encodeURIComponent(stampOf(file))}`;
  if (fresh) url2.search = `?load=${++freshLoads}`;
  return import(url2.href);
}
function requireCjs(file) {
  const req = createRequire2(file);
  if (changedSinceLastLoad(file)) delete req.cache[file];
  return req(file);
}
var tsNodeRegistered = false;
async function importTypeScript(file, projectRoot) {
  const fromProject = createRequire2(join3(projectRoot, "package.json"));
  const has = (id) => {
    try {
      fromProject.resolve(id);
      return true;
    } catch {
      return false;
    }
  };
  if (has("tsx/cjs/api")) {
    const esm = file.endsWith(".ts") && packageType(file) === "module";
    if (!esm) {
      const tsx2 = fromProject("tsx/cjs/api");
      try {
        return tsx2.require(file, file);
      } catch (error) {
        if (!isEsmSyntaxError(error)) throw error;
      }
    }
    const tsx = fromProject("tsx/esm/api");
    return tsx.tsImport(pathToFileURL2(file).href, { parentURL: pathToFileURL2(file).href });
  }
  if (has("ts-node")) {
    if (!tsNodeRegistered) {
      fromProject("ts-node").register({ transpileOnly: true });
      tsNodeRegistered = true;
    }
    return requireCjs(file);
  }
  throw new MigrationLoadError(
    `TypeScript migration ${file} needs a TypeScript loader installed in the project: run \`npm i -D tsx\` (ts-node works too).`,
    file,
    void 0
  );
}
function syntaxErrorLine(error, file) {
  const stack = error?.stack;
  if (typeof stack !== "string") return void 0;
  const url2 = pathToFileURL2(file).href;
  for (const line of stack.split("\n")) {
    for (const prefix of [file, url2]) {
      if (line.startsWith(prefix + ":")) {
        const n = Number(/^:(\d+)$/.exec(line.slice(prefix.length))?.[1]);
        if (Number.isInteger(n) && n > 0) return n;
      }
    }
  }
  const message = error.message;
  if (typeof message === "string") {
    const m = /:(\d+):\d+: ERROR:/.exec(message);
    if (m) return Number(m[1]);
  }
  return void 0;
}
function firstFrameIn(error, file) {
  const stack = error?.stack;
  if (typeof stack !== "string") return void 0;
  for (const prefix of [file, pathToFileURL2(file).href]) {
    const at = stack.indexOf(prefix + ":");
    if (at >= 0) {
      const n = Number(/^:(\d+)/.exec(stack.slice(at + prefix.length))?.[1]);
      if (Number.isInteger(n) && n > 0) return n;
    }
  }
  return void 0;
}
function explainLoadError(error, file) {
  if (error instanceof MigrationLoadError) return error;
  const e = error;
  const message = typeof e?.message === "string" ? e.message.split("\n")[0] : String(error);
  if (e?.name === "SyntaxError" || /Transform failed|ERROR: /.test(message)) {
    const line = syntaxErrorLine(error, file);
    return new MigrationLoadError(
      `Syntax error in ${file}${line ? ` at line ${line}` : ""}: ${message}. Fix the syntax and run again.`,
      file,
      line,
      error
    );
  }
  if (e?.code === "MODULE_NOT_FOUND" || e?.code === "ERR_MODULE_NOT_FOUND") {
    return new MigrationLoadError(
      `${file} requires a module that cannot be found: ${message}. Install the package or fix the path.`,
      file,
      firstFrameIn(error, file),
      error
    );
  }
  return new MigrationLoadError(
    `${file} failed while loading: ${message}. Fix the code that runs when the file is loaded.`,
    file,
    firstFrameIn(error, file),
    error
  );
}
function pick(module, method) {
  const m = module;
  if (!m || typeof m !== "object" && typeof m !== "function") return void 0;
  const dflt = m.default;
  const fromDefault = dflt && (typeof dflt === "object" || typeof dflt === "function") ? dflt[method] : void 0;
  const value = fromDefault ?? m[method];
  return typeof value === "function" ? value : void 0;
}
async function loadProjectModule(file, projectRoot, options = {}) {
  if (options.fresh) forgetProjectModules(projectRoot);
  try {
    if (file.endsWith(".mjs")) return await importEsm(file, options.fresh);
    if (file.endsWith(".ts") || file.endsWith(".cts")) return await importTypeScript(file, projectRoot);
    if (file.endsWith(".js") && packageType(file) === "module") return await importEsm(file, options.fresh);
    try {
      return requireCjs(file);
    } catch (error) {
      if (!isEsmSyntaxError(error) || file.endsWith(".cjs")) throw error;
      return await importEsm(file, options.fresh);
    }
  } catch (error) {
    throw explainLoadError(error, file);
  }
}
function forgetProjectModules(projectRoot) {
  const cache = createRequire2(join3(projectRoot, "package.json")).cache;
  const root = projectRoot.endsWith(sep3) ? projectRoot : projectRoot + sep3;
  for (const key of Object.keys(cache)) {
    if (key.startsWith(root) && !key.includes(`${sep3}node_modules${sep3}`)) delete cache[key];
  }
}
async function loadMigration(file, projectRoot) {
  const module = await loadProjectModule(file, projectRoot);
  return { module, up: pick(module, "up"), down: pick(module, "down") };
}

// src/migrate/worker/models.ts
import { readdirSync } from "node:fs";
import { basename, join as join5, relative as relative4 } from "node:path";

// src/migrate/worker/redact.ts
var secrets = /* @__PURE__ */ new Set();
function rememberUrlSecret(url2) {
  try {
    const password = new URL(url2).password;
    if (password.length >= 3) {
      secrets.add(password);
      secrets.add(decodeURIComponent(password));
    }
  } catch {
  }
}
function redact(text) {
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/\s]*@/gi, "$1:*****@");
  for (const secret of secrets) out = out.split(secret).join("*****");
  return out;
}

// src/migrate/worker/sequelize.ts
import { createRequire as createRequire3 } from "node:module";
import { dirname as dirname3, join as join4 } from "node:path";

// node_modules/pg-connection-string/esm/index.mjs
var import__ = __toESM(require_pg_connection_string(), 1);
var esm_default2 = import__.default.parse;
var parse = import__.default.parse;
var toClientConfig = import__.default.toClientConfig;
var parseIntoClientConfig = import__.default.parseIntoClientConfig;

// src/migrate/worker/sequelize.ts
var bundled;
function bundledSequelize() {
  bundled ??= import("./chunks/lib-U4FVFLPT.js").then((m) => {
    const ns = m;
    return ns.Sequelize ?? ns.default?.Sequelize;
  });
  return bundled;
}
var resolving = /* @__PURE__ */ new Map();
function resolveSequelize(project2) {
  let resolved = resolving.get(project2.cwd);
  if (!resolved) {
    resolved = resolveFresh(project2);
    resolving.set(project2.cwd, resolved);
    resolved.catch(() => resolving.delete(project2.cwd));
  }
  return resolved;
}
async function preloadSequelize(project2) {
  const resolved = await resolveSequelize(project2);
  if (resolved.path && !resolved.dialectModule) createRequire3(join4(resolved.path, "index.js"))("pg");
}
async function resolveFresh(project2) {
  const req = createRequire3(join4(project2.cwd, "package.json"));
  let path;
  try {
    path = req.resolve("sequelize");
  } catch {
    const Sequelize2 = await bundledSequelize();
    const version2 = Sequelize2.version;
    return { Sequelize: Sequelize2, source: "bundled", version: version2, dialectModule: esm_default };
  }
  const Sequelize = req(path);
  const fromSequelize = createRequire3(path);
  let dialectModule;
  try {
    fromSequelize.resolve("pg");
  } catch {
    dialectModule = esm_default;
  }
  let version;
  try {
    version = req("sequelize/package.json").version;
  } catch {
    version = Sequelize.version;
  }
  return { Sequelize, source: "project", path: dirname3(path), version, dialectModule };
}
var CONNECTION_KEYS = [
  "url",
  "use_env_variable",
  "username",
  "user",
  "password",
  "database",
  "host",
  "port",
  "protocol",
  "dialect",
  "dialectModule",
  "dialectModulePath",
  "storage",
  "replication",
  "logging",
  "benchmark",
  "logQueryParameters"
];
function sequelizeOptions(project2, applicationName, resolved, databaseUrl) {
  const options = { ...project2.config };
  for (const key of CONNECTION_KEYS) delete options[key];
  for (const key of Object.keys(options)) {
    if (/^(migration|seeder)Storage/.test(key) || key === "migrationTimestamps") delete options[key];
  }
  const configured = project2.config.dialectOptions ?? {};
  const ssl = configured.ssl === void 0 && databaseUrl ? sslFromUrl(databaseUrl) : void 0;
  const dialectOptions = {
    ...configured,
    ...ssl !== void 0 ? { ssl } : {},
    application_name: applicationName
  };
  return {
    ...options,
    pool: workerPool(options.pool),
    dialect: "postgres",
    dialectOptions,
    ...resolved.dialectModule ? { dialectModule: resolved.dialectModule } : {},
    logging: false
  };
}
function sslFromUrl(databaseUrl) {
  try {
    const url2 = new URL(databaseUrl);
    if (![...url2.searchParams.keys()].some((k) => k.startsWith("ssl"))) return void 0;
    return parse(databaseUrl).ssl ?? void 0;
  } catch {
    return void 0;
  }
}
function urlWithoutApplicationName(databaseUrl) {
  try {
    const url2 = new URL(databaseUrl);
    if (!url2.searchParams.has("application_name")) return databaseUrl;
    url2.searchParams.delete("application_name");
    return url2.toString();
  } catch {
    return databaseUrl;
  }
}
function workerPool(configured) {
  const pool = {};
  if (configured && typeof configured === "object") {
    for (const [key, value] of Object.entries(configured)) {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof n === "number" && Number.isFinite(n) && n >= 0) pool[key] = n;
    }
  }
  pool.min = 0;
  if (pool.max !== void 0 && pool.max < 1) delete pool.max;
  return pool;
}

// src/migrate/worker/models.ts
var ModelsError = class extends Error {
  file;
  constructor(message, options = {}) {
    super(message, options.cause === void 0 ? void 0 : { cause: options.cause });
    this.name = "ModelsError";
    this.file = options.file;
  }
};
var MODEL_FILE = /^[^.].*\.(c?js|mjs|c?ts)$/;
function modelFiles(dir) {
  return readdirSync(dir).filter((f) => MODEL_FILE.test(f) && !/\.d\.c?ts$/.test(f) && !/\.(test|spec)\.[cm]?[jt]s$/.test(f)).filter((f) => !/^index\.[cm]?[jt]s$/.test(f)).sort().map((f) => join5(dir, f));
}
function isSequelize(value) {
  const v = value;
  return !!v && typeof v === "object" && typeof v.define === "function" && typeof v.sync === "function" && typeof v.getQueryInterface === "function" && !!v.models;
}
function instanceIn(module) {
  const m = module;
  const candidates = [
    m,
    m?.sequelize,
    m?.default,
    m?.default?.sequelize
  ];
  return candidates.find(isSequelize);
}
function targetOf(databaseUrl) {
  const url2 = new URL(databaseUrl);
  return {
    host: url2.hostname,
    port: Number(url2.port || 5432),
    database: decodeURIComponent(url2.pathname.replace(/^\//, "")),
    username: decodeURIComponent(url2.username),
    password: decodeURIComponent(url2.password)
  };
}
async function withProjectEnv(project2, databaseUrl, fn) {
  const names = [project2.urlEnvVariable ?? "DATABASE_URL", "NODE_ENV"];
  const saved = names.map((n) => process.env[n]);
  process.env[names[0]] = databaseUrl;
  process.env.NODE_ENV = project2.env;
  try {
    return await fn();
  } finally {
    names.forEach((n, i) => {
      if (saved[i] === void 0) delete process.env[n];
      else process.env[n] = saved[i];
    });
  }
}
function repoint(sequelize, target, file) {
  const s = sequelize;
  if (s.getDialect() !== "postgres") {
    throw new ModelsError(
      `${file} builds a Sequelize instance for ${s.getDialect()}; Schemabot compares models with PostgreSQL migrations only.`,
      { file }
    );
  }
  if (s.connectionManager.config.replication) {
    throw new ModelsError(
      `${file} configures read replication; Schemabot cannot point such an instance at a throwaway database. Point the models setting at a module that builds a plain instance.`,
      { file }
    );
  }
  Object.assign(s.config, target);
  Object.assign(s.connectionManager.config, target);
  s.options.logging = false;
}
function describe(error) {
  return redact(error instanceof Error ? error.message.split("\n")[0] : String(error));
}
async function loadModule(file, project2) {
  try {
    return await loadProjectModule(file, project2.cwd, { fresh: true });
  } catch (error) {
    const where = relative4(project2.cwd, file) || file;
    const line = error instanceof MigrationLoadError && error.line ? ` (line ${error.line})` : "";
    throw new ModelsError(
      `Could not load the models from ${where}${line}: ${describe(error instanceof MigrationLoadError ? error.cause ?? error : error)}. Schemabot loads them as your app does; fix the error, or point the models setting at a module that exports your Sequelize instance.`,
      { file, cause: error }
    );
  }
}
async function loadFolder(dir, project2, databaseUrl) {
  const resolved = await resolveSequelize(project2);
  const SequelizeClass = resolved.Sequelize;
  const sequelize = new SequelizeClass(databaseUrl, sequelizeOptions(project2, "schemabot-models", resolved));
  const dataTypes = SequelizeClass.DataTypes;
  for (const file of modelFiles(dir)) {
    const module = await loadModule(file, project2);
    const factory = typeof module === "function" ? module : module?.default;
    if (typeof factory !== "function") continue;
    try {
      if (!/^class\s/.test(Function.prototype.toString.call(factory))) factory(sequelize, dataTypes);
    } catch (error) {
      throw new ModelsError(
        `${relative4(project2.cwd, file)} failed while defining its model: ${describe(error)}.`,
        {
          file,
          cause: error
        }
      );
    }
  }
  const models = sequelize.models;
  for (const [name, model] of Object.entries(models)) {
    try {
      model.associate?.(models);
    } catch (error) {
      throw new ModelsError(`The associations of model ${name} failed: ${describe(error)}.`, {
        cause: error
      });
    }
  }
  return sequelize;
}
var loadedInstances = /* @__PURE__ */ new WeakSet();
async function loadModels(project2, databaseUrl, entry) {
  const target = targetOf(databaseUrl);
  const shown = relative4(project2.cwd, entry.path) || basename(entry.path);
  const sequelize = await withProjectEnv(project2, databaseUrl, async () => {
    if (entry.kind === "folder") return loadFolder(entry.path, project2, databaseUrl);
    const module = await loadModule(entry.path, project2);
    const instance = instanceIn(module);
    if (!instance) {
      throw new ModelsError(
        `${shown} does not export a Sequelize instance (as the module itself, \`sequelize\`, or \`default\`). Export it, as the models/index.js of \`sequelize-cli init\` does (\`db.sequelize = sequelize\`).`,
        { file: entry.path }
      );
    }
    if (loadedInstances.has(instance)) {
      throw new ModelsError(
        `${shown} returned the Sequelize instance of an earlier load in this process: its module came from a cache Schemabot cannot clear (a test runner's module registry, or a package outside the project), so it is closed and its models may be out of date. Run Schemabot in a fresh process.`,
        { file: entry.path }
      );
    }
    loadedInstances.add(instance);
    return instance;
  });
  repoint(sequelize, target, shown);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await sequelize.close().catch(() => void 0);
  };
  return {
    entry,
    sequelize,
    close,
    [Symbol.asyncDispose]: close,
    async sync() {
      const [where] = await sequelize.query("SELECT current_database() AS database", {
        type: "SELECT"
      });
      if (where?.database !== target.database) {
        throw new ModelsError(
          `The models' Sequelize instance is connected to database "${where?.database}", not the throwaway database "${target.database}"; Schemabot refuses to sync into it.`,
          { file: entry.path }
        );
      }
      if (!Object.keys(sequelize.models).length) {
        throw new ModelsError(
          `${shown} defines no models. Point the models setting at the module that defines them.`,
          {
            file: entry.path
          }
        );
      }
      try {
        await sequelize.sync();
      } catch (error) {
        const sql = error.sql;
        throw new ModelsError(
          `sync() of the models from ${shown} failed: ${describe(error)}` + (typeof sql === "string" ? ` (statement: ${redact(sql).slice(0, 300)})` : "") + ". The models must be valid for PostgreSQL.",
          { file: entry.path, cause: error }
        );
      }
      return declaredTables(sequelize);
    }
  };
}
function isClientDefault(attribute, S) {
  if (attribute._autoGenerated) return true;
  const value = attribute.defaultValue;
  if (value === void 0) return false;
  if (typeof value === "function") return true;
  for (const name of ["NOW", "UUIDV1", "UUIDV4"]) {
    const type = S[name];
    if (type && value instanceof type) return true;
  }
  return false;
}
function declaredTables(sequelize) {
  const S = sequelize.constructor ?? {};
  return Object.values(sequelize.models).map((model) => {
    const t = model.getTableName();
    const schema = typeof t === "string" ? model.options.schema ?? "public" : t.schema ?? "public";
    const table = typeof t === "string" ? t : t.tableName;
    const attributes = model.getAttributes();
    const clientDefaults = Object.entries(attributes).filter(([, a]) => isClientDefault(a, S)).map(([key, a]) => a.field ?? key);
    return { model: model.name, schema, table, clientDefaults };
  });
}

// src/migrate/worker/runner.ts
import { performance } from "node:perf_hooks";

// src/migrate/worker/meta.ts
var MODEL_NAME = "SequelizeMeta";
var COLUMN = "name";
function missingRelation(error) {
  const e = error;
  const code = e?.parent?.code ?? e?.original?.code;
  return code === "42P01" || code === "3F000";
}
function quoteIdent(name) {
  return `"${name.replace(/"/g, '""')}"`;
}
function metaTableSql(meta) {
  return meta.schema ? `${quoteIdent(meta.schema)}.${quoteIdent(meta.table)}` : quoteIdent(meta.table);
}
var MetaTable = class {
  constructor(sequelize, SequelizeCtor, project2) {
    this.sequelize = sequelize;
    this.SequelizeCtor = SequelizeCtor;
    this.project = project2;
  }
  sequelize;
  SequelizeCtor;
  project;
  model;
  schemaReady = false;
  /** Does the table exist? (No side effects: `applied()` must not create it.) */
  async exists() {
    const [rows] = await this.sequelize.query('SELECT to_regclass(?) IS NOT NULL AS "exists"', {
      replacements: [metaTableSql(this.project.meta)],
      raw: true,
      logging: false
    });
    return Boolean(rows[0]?.exists);
  }
  async columns() {
    const [rows] = await this.sequelize.query(
      "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped",
      { replacements: [metaTableSql(this.project.meta)], raw: true, logging: false }
    );
    return rows.map((r) => r.attname);
  }
  async getModel() {
    if (this.model) return this.model;
    const config = this.project.config;
    let timestamps = Boolean(config.migrationTimestamps);
    if (!timestamps && await this.exists()) timestamps = (await this.columns()).includes("createdAt");
    const S = this.SequelizeCtor;
    this.model = this.sequelize.define(
      MODEL_NAME,
      {
        [COLUMN]: {
          type: S.STRING,
          allowNull: false,
          unique: true,
          primaryKey: true,
          autoIncrement: false
        }
      },
      {
        tableName: this.project.meta.table,
        schema: this.project.meta.schema,
        timestamps,
        charset: "utf8",
        collate: "utf8_unicode_ci"
      }
    );
    return this.model;
  }
  /** sequelize-cli creates a custom `migrationStorageTableSchema` (only that one) before using it. */
  tableReady = false;
  async ensureSchema() {
    const configured = this.project.config.migrationStorageTableSchema;
    const schema = typeof configured === "string" ? configured : void 0;
    if (this.schemaReady || !schema || schema === "public") return;
    await this.sequelize.createSchema(schema, { logging: false });
    this.schemaReady = true;
  }
  /**
   * The model, its table created like sequelize-cli creates it (`sync`) when missing. sequelize-cli
   * syncs before every write; after the first sync one existence check is enough (a migration could
   * drop the table), which spares each step Sequelize's index introspection queries.
   */
  async synced() {
    await this.ensureSchema();
    const model = await this.getModel();
    if (!this.tableReady || !await this.exists()) {
      await model.sync({ logging: false });
      this.tableReady = true;
    }
    return model;
  }
  /**
   * Records a migration as applied (umzug `logMigration`). `outsideTransaction`: see `write`.
   */
  async log(name, outsideTransaction = false) {
    await this.write((model) => model.create({ [COLUMN]: name }, { logging: false }), outsideTransaction);
  }
  /** Removes a migration's row (umzug `unlogMigration`). `outsideTransaction`: see `write`. */
  async unlog(name, outsideTransaction = false) {
    await this.write(
      (model) => model.destroy({ where: { [COLUMN]: name }, logging: false }),
      outsideTransaction
    );
  }
  /**
   * One write to the table. Outside a transaction, once the table has been made, the write goes
   * first and the table is looked up (and made again) only when the write finds it gone: a migration
   * that dropped it. That spares every step a round trip. Inside a transaction a failed write would
   * abort it, so the table is looked up first, as always.
   */
  async write(fn, outsideTransaction) {
    if (outsideTransaction && this.tableReady && this.model) {
      try {
        await fn(this.model);
        return;
      } catch (error) {
        if (!missingRelation(error)) throw error;
      }
    }
    await fn(await this.synced());
  }
  /** Applied migration names in umzug's order (`ORDER BY name ASC`, the database's collation). */
  async executed() {
    if (!await this.exists()) return [];
    const model = await this.getModel();
    const rows = await model.findAll({ order: [[COLUMN, "ASC"]], logging: false });
    return rows.map((row) => row.get(COLUMN));
  }
};

// src/migrate/worker/transaction.ts
var START = /^\s*START TRANSACTION\s*;?\s*$/i;
var COMMIT = /^\s*COMMIT\s*;?\s*$/i;
var ROLLBACK = /^\s*ROLLBACK\s*;?\s*$/i;
var ISOLATION = /^\s*SET TRANSACTION ISOLATION LEVEL\b/i;
async function withPinnedConnection(runner2, fn) {
  const sequelize = runner2.sequelize;
  const manager = sequelize.connectionManager;
  const connection = await manager.getConnection({ type: "write" });
  const pid = connection.processID;
  if (typeof pid === "number") runner2.exemptPids.add(pid);
  const original = connection.query;
  const saved = {
    getConnection: manager.getConnection,
    releaseConnection: manager.releaseConnection,
    destroyConnection: manager.destroyConnection
  };
  const savepoints = [];
  let counter = 0;
  const rewrite = (sql) => {
    if (START.test(sql)) {
      const name = `schemabot_nested_${++counter}`;
      savepoints.push(name);
      return `SAVEPOINT ${name}`;
    }
    if (COMMIT.test(sql)) {
      const name = savepoints.pop();
      return name ? `RELEASE SAVEPOINT ${name}` : sql;
    }
    if (ROLLBACK.test(sql)) {
      const name = savepoints.pop();
      return name ? `ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}` : sql;
    }
    if (ISOLATION.test(sql)) return "SELECT 1";
    return sql;
  };
  let tail = Promise.resolve();
  connection.query = function(...args) {
    if (typeof args[0] === "string") args[0] = rewrite(args[0]);
    else if (args[0] && typeof args[0] === "object" && typeof args[0].text === "string") {
      const config = args[0];
      args[0] = { ...config, text: rewrite(config.text) };
    }
    const callback = args.at(-1);
    if (typeof callback !== "function") return original.apply(connection, args);
    tail = tail.then(
      () => new Promise((resolve2) => {
        args[args.length - 1] = (...results) => {
          resolve2();
          callback(...results);
        };
        try {
          original.apply(connection, args);
        } catch (error) {
          resolve2();
          callback(error);
        }
      })
    );
    return void 0;
  };
  const raw = (sql) => new Promise(
    (resolve2, reject) => original.call(connection, sql, (error) => error ? reject(error) : resolve2())
  );
  manager.getConnection = async () => connection;
  manager.releaseConnection = () => void 0;
  manager.destroyConnection = async () => void 0;
  try {
    return await fn(raw, connection);
  } finally {
    if (typeof pid === "number") runner2.exemptPids.delete(pid);
    Object.assign(manager, saved);
    connection.query = original;
    if (connection._invalid || connection._ending) {
      await saved.destroyConnection.call(manager, connection).catch(() => void 0);
    } else {
      try {
        await raw("RESET lock_timeout; RESET statement_timeout");
        saved.releaseConnection.call(manager, connection);
      } catch {
        await saved.destroyConnection.call(manager, connection).catch(() => void 0);
      }
    }
  }
}
function settings(options, local) {
  const scope = local ? "SET LOCAL" : "SET";
  const parts = [];
  if (options.lockTimeoutMs) parts.push(`${scope} lock_timeout = ${Math.round(options.lockTimeoutMs)}`);
  if (options.statementTimeoutMs) {
    parts.push(`${scope} statement_timeout = ${Math.round(options.statementTimeoutMs)}`);
  }
  return parts.join("; ");
}
function messageOf2(error) {
  return redact(error instanceof Error ? error.message : String(error));
}
async function runPinnedStep(runner2, m, direction, options = {}) {
  const transaction = options.transaction ?? true;
  return withPinnedConnection(runner2, async (raw) => {
    const setup = settings(options, transaction);
    try {
      if (transaction) await raw("BEGIN");
      if (setup) await raw(setup);
    } catch (error) {
      if (transaction) await raw("ROLLBACK").catch(() => void 0);
      return {
        ok: false,
        ms: 0,
        statements: [],
        error: { message: `Could not start the migration's transaction: ${messageOf2(error)}` },
        transaction,
        rolledBack: transaction ? true : false
      };
    }
    const step = direction === "up" ? await runner2.up(m) : await runner2.down(m);
    if (!transaction) return { ...step, transaction, rolledBack: step.ok ? null : false };
    if (!step.ok) {
      await raw("ROLLBACK").catch(() => void 0);
      return { ...step, transaction, rolledBack: true };
    }
    try {
      await raw("COMMIT");
      return { ...step, transaction, rolledBack: null };
    } catch (error) {
      const code = error.code;
      const lost = typeof code !== "string" || /^(08|57P0)/.test(code);
      return {
        ...step,
        ok: false,
        error: {
          message: lost ? `The connection was lost while committing: ${messageOf2(error)}` : `COMMIT failed, the transaction was rolled back: ${messageOf2(error)}`,
          ...typeof code === "string" ? { code } : {}
        },
        transaction,
        rolledBack: !lost,
        ...lost ? { commitUnknown: true } : {}
      };
    }
  });
}
async function runInTransaction(runner2, fn) {
  return withPinnedConnection(runner2, async (raw) => {
    await raw("BEGIN");
    try {
      const result = await fn();
      await raw("COMMIT");
      return result;
    } catch (error) {
      await raw("ROLLBACK").catch(() => void 0);
      throw error;
    }
  });
}

// src/migrate/worker/runner.ts
var DEFAULT_TIMEOUT_MS = 10 * 60 * 1e3;
var INTERNAL_SQL = /^WITH ranges AS \(\s*SELECT pg_range\.rngtypid/;
var CALL_STACK = /* @__PURE__ */ Symbol.for("schemabot.migrate.callStack");
var CALL_SITE = /* @__PURE__ */ Symbol("schemabot.callSite");
var Capture = class {
  entries = [];
  byQuery = /* @__PURE__ */ new Map();
  pending = /* @__PURE__ */ new Set();
  /** Call stacks of queries in flight, in issue order (for the line of a timed-out statement). */
  pendingStacks = /* @__PURE__ */ new Map();
  /** Set once the migration's function has resolved: later statements are work it did not await. */
  resolved = false;
  statements(now, lineOf) {
    const out = [];
    for (const e of this.entries) {
      const sql = e.sql ?? (typeof e.query?.sql === "string" ? e.query.sql : void 0);
      if (!sql || INTERNAL_SQL.test(sql)) continue;
      const s = { sql: redact(stripLogPrefix(sql)), ms: round(e.ms ?? now - e.start) };
      if (e.failed) s.failed = true;
      if (e.ms === void 0) s.unfinished = true;
      if (e.late) s.late = true;
      const line = lineOf(e.stack);
      if (line !== void 0) s.line = line;
      out.push(s);
    }
    return out;
  }
  /** The statement still running, if any (the last one issued). */
  running() {
    return [...this.entries].reverse().find((e) => e.ms === void 0);
  }
};
function stripLogPrefix(sql) {
  return sql.replace(/^Execut(?:ed|ing) \([^)]*\): /, "");
}
function round(ms) {
  return Math.round(ms * 1e3) / 1e3;
}
function delay(ms) {
  return new Promise((resolve2) => setTimeout(() => resolve2("timeout"), Math.max(0, ms)).unref?.());
}
function nextTurn() {
  return new Promise((resolve2) => setImmediate(resolve2));
}
var LocalRunner = class _LocalRunner {
  constructor(databaseUrl, project2, resolved, options) {
    this.databaseUrl = databaseUrl;
    this.project = project2;
    this.resolved = resolved;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.applicationName = options.applicationName;
    this.watchUrl = options.watchUrl ?? databaseUrl;
    this.sequelizeSource = resolved.source;
    this.sequelizeVersion = resolved.version;
  }
  databaseUrl;
  project;
  resolved;
  /** The `application_name` of the runner's connections (unique per runner). */
  applicationName;
  sequelizeSource;
  sequelizeVersion;
  session;
  capture = null;
  closed = false;
  timeoutMs;
  /** Backends that are busy on purpose (a production step's pinned connection): not the migration's work. */
  exemptPids = /* @__PURE__ */ new Set();
  /** A connection of the runner's own that watches the database's backends (never part of a migration). */
  watcher;
  watchUrl;
  /** Connects to `databaseUrl` (always the caller's: the project config never picks the target). */
  static async open(databaseUrl, project2, options) {
    rememberUrlSecret(databaseUrl);
    const runner2 = new _LocalRunner(databaseUrl, project2, await resolveSequelize(project2), options);
    await runner2.connect();
    return runner2;
  }
  /** The Sequelize instance migrations run on (for callers that need the same connection settings). */
  get sequelize() {
    return this.current().sequelize;
  }
  current() {
    if (this.closed || !this.session) throw new Error("The migration runner is closed.");
    return this.session;
  }
  async connect() {
    const { Sequelize: SequelizeCtor } = this.resolved;
    const options = sequelizeOptions(this.project, this.applicationName, this.resolved, this.databaseUrl);
    let sequelize;
    try {
      sequelize = new SequelizeCtor(urlWithoutApplicationName(this.databaseUrl), options);
    } catch (error) {
      throw safeError("Could not set up Sequelize for the project", error);
    }
    this.instrument(sequelize);
    try {
      await sequelize.authenticate({ logging: false });
    } catch (error) {
      await sequelize.close().catch(() => void 0);
      throw safeError("Could not connect to the database", error);
    }
    this.session = { sequelize, meta: new MetaTable(sequelize, SequelizeCtor, this.project) };
  }
  /** Records the statements of the running migration (query hooks) and each query's call site. */
  instrument(sequelize) {
    const hooks = sequelize;
    hooks.addHook("beforeQuery", (options, query) => {
      const capture = this.capture;
      if (!capture || !query) return;
      const stack = options?.[CALL_SITE];
      const entry = {
        query,
        start: performance.now(),
        ...typeof stack === "string" ? { stack } : {},
        ...capture.resolved ? { late: true } : {}
      };
      capture.entries.push(entry);
      capture.byQuery.set(query, entry);
      const run = query.run;
      if (typeof run === "function") {
        query.run = async function(...args) {
          try {
            return await run.apply(this, args);
          } catch (error) {
            entry.failed = true;
            throw error;
          }
        };
      }
    });
    hooks.addHook("afterQuery", (_options, query) => {
      const entry = this.capture?.byQuery.get(query);
      if (!entry) return;
      entry.ms = performance.now() - entry.start;
      entry.sql = typeof query.sql === "string" ? query.sql : void 0;
    });
    const original = sequelize.query;
    const currentCapture = () => this.capture;
    const wrapped = function(...args) {
      const capture = currentCapture();
      if (!capture) return original.apply(this, args);
      const stack = new Error("query issued here").stack;
      const [sql, options, ...rest] = args;
      const tagged = options && typeof options === "object" ? { ...options, [CALL_SITE]: stack } : { [CALL_SITE]: stack };
      const inner = original.apply(this, [sql, tagged, ...rest]);
      capture.pending.add(inner);
      capture.pendingStacks.set(inner, stack);
      const done = () => {
        capture.pending.delete(inner);
        capture.pendingStacks.delete(inner);
      };
      inner.then(done, done);
      return inner.then(void 0, (error) => {
        if (error && typeof error === "object" && !(CALL_STACK in error)) {
          Object.defineProperty(error, CALL_STACK, { value: stack, enumerable: false });
        }
        throw error;
      });
    };
    sequelize.query = wrapped;
  }
  /** Runs the runner's own queries (meta table) outside any migration's statements. */
  async bookkeeping(fn) {
    const saved = this.capture;
    this.capture = null;
    try {
      return await fn(this.current());
    } finally {
      this.capture = saved;
    }
  }
  /** Runs the migration's `up()`; on success records it in the meta table (created like sequelize-cli). */
  up(m) {
    return this.step(m, "up");
  }
  /** Runs the migration's `down()`; on success deletes its meta row. */
  down(m) {
    return this.step(m, "down");
  }
  /** Names recorded in the meta table, in umzug's order; [] when the table does not exist. */
  applied() {
    return this.bookkeeping((s) => s.meta.executed());
  }
  /** Records `name` as applied without running it (like `stamp`). */
  record(name) {
    return this.bookkeeping((s) => s.meta.log(name));
  }
  /** Deletes the meta row of `name` without running anything. */
  unrecord(name) {
    return this.bookkeeping((s) => s.meta.unlog(name));
  }
  /** Records every name (`stamp`), all in one transaction. */
  async recordAll(names) {
    await runInTransaction(this, async () => {
      for (const name of names) await this.record(name);
    });
    return null;
  }
  /** Deletes the rows of every name, all in one transaction. */
  async unrecordAll(names) {
    await runInTransaction(this, async () => {
      for (const name of names) await this.unrecord(name);
    });
    return null;
  }
  async step(m, direction) {
    const session = this.current();
    const started = performance.now();
    const capture = new Capture();
    const file = projectRelative(m.path, this.project.cwd);
    const finish = (error) => {
      const statements = capture.statements(
        performance.now(),
        (stack) => stack ? locate([stack], m.path, this.project.cwd)?.line : void 0
      );
      const late = statements.find((s) => s.late);
      return {
        ok: error === null,
        ms: round(performance.now() - started),
        statements,
        error,
        ...late ? { unawaited: { sql: late.sql, ...late.line ? { line: late.line } : {} } } : {}
      };
    };
    let fn;
    let module;
    try {
      const loaded2 = await loadMigration(m.path, this.project.cwd);
      fn = loaded2[direction];
      module = loaded2.module;
    } catch (error) {
      const e = error instanceof MigrationLoadError ? error : void 0;
      return finish({
        message: redact(e ? e.message : String(error)),
        file: projectRelative(e?.file ?? m.path, this.project.cwd),
        ...e?.line ? { line: e.line } : {}
      });
    }
    if (!fn) {
      return finish({
        message: `Migration ${m.name} has no ${direction} function` + (direction === "down" ? ": it cannot be reverted. Add a down() that undoes up()." : "."),
        file
      });
    }
    const crashes = [];
    let crashed = () => void 0;
    const crashSignal = new Promise((resolve2) => crashed = resolve2);
    const onCrash = (reason) => {
      crashes.push(reason);
      crashed();
    };
    process.on("unhandledRejection", onCrash);
    process.on("uncaughtException", onCrash);
    const stackLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = Math.max(stackLimit, 50);
    this.capture = capture;
    const deadline = started + this.timeoutMs;
    let outcome;
    try {
      const call = invoke(
        fn,
        module,
        [session.sequelize.getQueryInterface(), this.resolved.Sequelize],
        m.name
      );
      const settled = call.then(
        () => ({ kind: "done" }),
        (error) => ({ kind: "threw", error })
      );
      const first = await Promise.race([settled, delay(deadline - performance.now())]);
      outcome = first === "timeout" ? { kind: "timeout" } : first;
      if (outcome.kind !== "timeout") {
        capture.resolved = true;
        if (!await this.settle(capture, deadline)) outcome = { kind: "timeout" };
      }
      if (outcome.kind === "timeout") {
        const result = finish(this.timeoutInfo(m, direction, capture));
        await this.stopRunningQueries();
        await Promise.race([crashSignal, nextTurn()]);
        return result;
      }
    } finally {
      this.capture = null;
      Error.stackTraceLimit = stackLimit;
      process.off("unhandledRejection", onCrash);
      process.off("uncaughtException", onCrash);
    }
    if (outcome.kind === "threw") {
      return finish(this.errorInfo(outcome.error, m));
    }
    if (crashes.length > 0) {
      const info = this.errorInfo(crashes[0], m);
      info.message = `It crashed the process: ${info.message} (an unhandled rejection or exception while the migration ran; is a promise not awaited, or a transaction used after commit?)`;
      return finish(info);
    }
    try {
      const outsideTransaction = this.exemptPids.size === 0;
      await this.bookkeeping(
        (s) => direction === "up" ? s.meta.log(m.name, outsideTransaction) : s.meta.unlog(m.name, outsideTransaction)
      );
    } catch (error) {
      const table = this.project.meta.schema ? `${this.project.meta.schema}.${this.project.meta.table}` : this.project.meta.table;
      const info = describeError(error, m.path, this.project.cwd);
      info.message = `The migration ran but could not be ${direction === "up" ? "recorded in" : "removed from"} ${table}: ${info.message}`;
      return finish(info);
    }
    return finish(null);
  }
  /**
   * Waits until nothing of the migration is running any more: no query of the runner's Sequelize in
   * flight, no connection borrowed from its pool, and no backend of the worker (the project's own
   * Sequelize instances and pg clients included, by `application_name`) active or inside a transaction.
   * Two quiet looks in a row, a turn of the event loop apart. False when `deadline` passes first.
   */
  async settle(capture, deadline) {
    let quiet = 0;
    while (performance.now() < deadline) {
      if (capture.pending.size > 0) {
        quiet = 0;
        await Promise.race([Promise.allSettled([...capture.pending]), delay(deadline - performance.now())]);
        continue;
      }
      await nextTurn();
      if (capture.pending.size > 0 || this.poolBusy()) {
        quiet = 0;
        await delay(0);
        continue;
      }
      if (quiet++ === 0) continue;
      if (!await this.serverBusy()) return true;
      quiet = 0;
      await delay(5);
    }
    return false;
  }
  /** Connections of the runner's pool that are borrowed (a transaction in progress, a query queued). */
  poolBusy() {
    const manager = this.session?.sequelize.connectionManager;
    const pool = manager?.pool;
    if (!pool || typeof pool.using !== "number") return false;
    return pool.using - this.exemptPids.size > 0 || (pool.waiting ?? 0) > 0;
  }
  /** True when a backend of the worker is running a statement or sits inside a transaction. */
  async serverBusy() {
    try {
      if (!this.watcher) {
        const watcher = new esm_default.Client({
          connectionString: urlWithoutApplicationName(this.watchUrl),
          application_name: `${this.applicationName}-watch`
        });
        watcher.on("error", () => void 0);
        await watcher.connect();
        this.watcher = watcher;
      }
      const { rows } = await this.watcher.query({
        name: "schemabot-busy",
        text: `SELECT count(*)::int AS busy FROM pg_stat_activity
          WHERE application_name = $1 AND pid <> pg_backend_pid() AND NOT (pid = ANY($2::int[]))
            AND state IS NOT NULL AND state <> 'idle'`,
        values: [this.applicationName, [...this.exemptPids]]
      });
      return (rows[0]?.busy ?? 0) > 0;
    } catch {
      const watcher = this.watcher;
      this.watcher = void 0;
      await watcher?.end().catch(() => void 0);
      return false;
    }
  }
  errorInfo(error, m) {
    const stacks = [];
    let current2 = error;
    for (let i = 0; i < 5 && current2 && typeof current2 === "object"; i++) {
      const stack = current2[CALL_STACK];
      if (typeof stack === "string") stacks.push(stack);
      const c = current2;
      current2 = c.original ?? c.parent ?? c.cause;
    }
    return describeError(error, m.path, this.project.cwd, stacks);
  }
  timeoutInfo(m, direction, capture) {
    const seconds = this.timeoutMs >= 1e3 ? `${round(this.timeoutMs / 1e3)} s` : `${this.timeoutMs} ms`;
    const running = capture.running();
    const sql = running && typeof running.query?.sql === "string" ? redact(running.query.sql) : void 0;
    const frame = locate([...capture.pendingStacks.values()].reverse(), m.path, this.project.cwd);
    const info = {
      message: `Migration ${m.name} (${direction}) did not finish within ${seconds} and was stopped` + (sql ? ` while this statement was running (waiting for a lock, or a long rewrite?).` : ": it awaits something that never settles (a promise never resolved, or a transaction never committed?)."),
      file: projectRelative(frame?.file ?? m.path, this.project.cwd)
    };
    if (frame) info.line = frame.line;
    if (sql) info.sql = sql;
    return info;
  }
  /**
   * After a timeout: terminates the runner's backends (found by `application_name`), so nothing keeps
   * running or holds locks, and starts a fresh connection pool for the next migration.
   */
  async stopRunningQueries() {
    const old = this.session;
    const client = new esm_default.Client({
      connectionString: this.databaseUrl,
      application_name: `${this.applicationName}-stop`,
      connectionTimeoutMillis: 1e4
    });
    try {
      await client.connect();
      await client.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
        [this.applicationName]
      );
    } catch {
    } finally {
      await client.end().catch(() => void 0);
    }
    this.session = void 0;
    if (old) await Promise.race([old.sequelize.close().catch(() => void 0), delay(2e3)]);
    await this.connect();
  }
  /**
   * Closes the pool's idle connections and keeps the runner usable: the next step connects again.
   * PostgreSQL copies a database (`CREATE DATABASE … TEMPLATE`) only while nobody is connected to it.
   */
  async disconnect() {
    const watcher = this.watchUrl === this.databaseUrl ? this.watcher : void 0;
    if (watcher) this.watcher = void 0;
    const manager = this.session?.sequelize.connectionManager;
    await Promise.all([watcher?.end().catch(() => void 0), manager?.pool?.destroyAllNow()]);
  }
  /** Closes the connection pool. Idempotent. */
  async close() {
    if (this.closed) return;
    this.closed = true;
    await this.watcher?.end().catch(() => void 0);
    this.watcher = void 0;
    const session = this.session;
    this.session = void 0;
    if (session) await Promise.race([session.sequelize.close().catch(() => void 0), delay(5e3)]);
  }
  async [Symbol.asyncDispose]() {
    await this.close();
  }
};
function safeError(prefix, error) {
  return new Error(`${prefix}: ${redact(messageOf(error))}`, { cause: sanitized(error) });
}
function sanitized(error) {
  const copy = new Error(redact(messageOf(error)));
  const code = error?.code ?? error?.original?.code;
  if (typeof code === "string") Object.assign(copy, { code });
  copy.name = error?.name === void 0 ? "Error" : String(error.name);
  return copy;
}
function invoke(fn, module, params, name) {
  return new Promise((resolve2, reject) => {
    const result = fn.apply(module, params);
    if (!result || typeof result.then !== "function") {
      throw new Error(
        `Migration ${name} (or wrapper) didn't return a promise. Make the function async, or return the promise of its queries.`
      );
    }
    result.then(resolve2, reject);
  });
}

// src/migrate/worker/tsx.ts
import { createRequire as createRequire4 } from "node:module";
import { join as join6 } from "node:path";
function registerTsxAfterSequelize(cwd, apis) {
  const req = createRequire4(join6(cwd, "package.json"));
  try {
    const path = req.resolve("sequelize");
    req(path);
    createRequire4(path)("pg");
  } catch {
  }
  try {
    for (const api of [apis.esm, apis.cjs]) req(api).register();
    return void 0;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

// src/migrate/worker/main.ts
var ANSWERS_FD = 3;
Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 50);
var project;
var runner;
var url;
var orphaned = false;
function answer(response) {
  if (orphaned) return;
  try {
    writeSync(ANSWERS_FD, JSON.stringify(response) + "\n");
  } catch (error) {
    const code = error.code;
    if (code !== "EPIPE" && code !== "ECONNRESET" && code !== "EBADF") throw error;
    orphaned = true;
  }
}
function failure(error) {
  if (error instanceof ProjectError) {
    return {
      kind: "project",
      message: redact(error.message),
      ...error.setting ? { setting: error.setting } : {},
      ...error.unsetEnv ? { unsetEnv: error.unsetEnv } : {}
    };
  }
  if (error instanceof ModelsError) {
    return { kind: "models", message: redact(error.message), ...error.file ? { file: error.file } : {} };
  }
  const code = error?.code;
  return {
    kind: "runtime",
    message: redact(messageOf(error)),
    ...typeof code === "string" ? { code } : {}
  };
}
function plainConfig(config) {
  const copy = {};
  for (const [key, value] of Object.entries(config)) {
    if (/^(url|username|user|password|host|port|database|replication|dialectModule)$/.test(key)) continue;
    try {
      const json = JSON.stringify(value);
      if (json !== void 0) copy[key] = JSON.parse(json);
    } catch {
    }
  }
  return copy;
}
function current() {
  if (!runner) throw new Error('The worker has no open database (send "open" first).');
  return runner;
}
function loaded() {
  if (!project) throw new Error('The worker has not loaded the project (send "load" first).');
  return project;
}
var [tsxEsm, tsxCjs] = process.argv.slice(2);
var tsxFailure = tsxEsm && tsxCjs ? registerTsxAfterSequelize(process.cwd(), { esm: tsxEsm, cjs: tsxCjs }) : void 0;
async function handle(request) {
  switch (request.op) {
    case "load": {
      if (tsxFailure) {
        throw new ProjectError(
          `The project's tsx could not be registered (${tsxEsm}): ${messageOf(tsxFailure)}. Update tsx, or name it in .schemabot.yml (loader: tsx) to load it before anything else.`,
          { setting: '.schemabot.yml "loader"' }
        );
      }
      project = await loadProject(request);
      const info = { ...project, config: plainConfig(project.config) };
      const loadedProject = project;
      setImmediate(() => void preloadSequelize(loadedProject).catch(() => void 0));
      return info;
    }
    case "open": {
      Object.assign(process.env, request.env);
      url = request.url;
      await runner?.close();
      runner = await LocalRunner.open(request.url, loaded(), {
        timeoutMs: request.timeoutMs,
        applicationName: request.applicationName,
        ...request.watchUrl ? { watchUrl: request.watchUrl } : {}
      });
      return { sequelizeSource: runner.sequelizeSource, sequelizeVersion: runner.sequelizeVersion ?? null };
    }
    case "step": {
      const r = current();
      const m = request.migration;
      if (request.pinned)
        return await runPinnedStep(r, m, request.direction, request.pinned);
      return request.direction === "up" ? r.up(m) : r.down(m);
    }
    case "applied":
      return current().applied();
    case "record":
      return current().recordAll(request.names);
    case "unrecord":
      return current().unrecordAll(request.names);
    case "disconnect":
      await runner?.disconnect();
      return null;
    case "sync-models": {
      var _stack = [];
      try {
        if (!url) throw new Error('The worker has no open database (send "open" first).');
        const models = __using(_stack, await loadModels(loaded(), url, request.entry), true);
        return await models.sync();
      } catch (_) {
        var _error = _, _hasError = true;
      } finally {
        var _promise = __callDispose(_stack, _error, _hasError);
        _promise && await _promise;
      }
    }
    case "functions": {
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
    case "close":
      await runner?.close();
      runner = void 0;
      return null;
  }
}
process.on("unhandledRejection", () => void 0);
var lines = createInterface({ input: process.stdin });
var queue = Promise.resolve();
lines.on("line", (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return;
  }
  if (request.op === "ping") return answer({ id: request.id, ok: true, result: null });
  queue = queue.then(async () => {
    try {
      answer({ id: request.id, ok: true, result: await handle(request) ?? null });
    } catch (error) {
      answer({ id: request.id, ok: false, error: failure(error) });
    }
    if (request.op === "close") process.exit(0);
  });
});
lines.on("close", () => {
  void queue.catch(() => void 0).then(async () => {
    await runner?.close().catch(() => void 0);
    process.exit(0);
  });
});
