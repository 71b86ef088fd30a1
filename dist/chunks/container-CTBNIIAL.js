import { createRequire as __schemabotCreateRequire } from 'node:module'; import { fileURLToPath as __schemabotFileURLToPath } from 'node:url'; const require = __schemabotCreateRequire(import.meta.url); const __filename = __schemabotFileURLToPath(import.meta.url); const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));
import {
  KEPT_FILE,
  PostgresUnavailableError,
  THROWAWAY_SETTINGS,
  createDatabase,
  dropAllBut,
  dropDatabase,
  knob,
  knobValue,
  newPassword,
  readKeptFile,
  redactText,
  releaseAdmin,
  removeSuperuserPassword,
  renameDatabase,
  replaceFolder,
  serverInfo,
  throwawayName,
  touch,
  track,
  waitForConnection,
  withDatabase
} from "./chunk-ONBNNTIV.js";
import "./chunk-NEOG2NI4.js";
import "./chunk-H3F4CYK2.js";
import "./chunk-CHXII7AT.js";

// src/postgres/container.ts
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
var DEFAULT_MAJOR = 17;
function defaultImage(major = DEFAULT_MAJOR) {
  return `postgres:${major}-alpine`;
}
function majorOfImage(image) {
  const tag = /:(\d+)(?:[.-]|$)/.exec(image.replace(/@.*$/, ""));
  return tag ? Number(tag[1]) : void 0;
}
var POSTGRES_PORT = 5432;
async function loadTestcontainers() {
  const module = await import("./build-WAM6J5IA.js");
  const runtime = await import("./build-JOLB5MMJ.js");
  const PostgreSqlContainer = module.PostgreSqlContainer ?? module.default?.PostgreSqlContainer;
  const getContainerRuntimeClient = runtime.getContainerRuntimeClient ?? runtime.default?.getContainerRuntimeClient;
  if (!PostgreSqlContainer || !getContainerRuntimeClient) {
    throw new Error("the testcontainers package does not export what Schemabot uses");
  }
  return { PostgreSqlContainer, getContainerRuntimeClient };
}
function demuxLogs(raw) {
  const parts = [];
  let i = 0;
  while (i + 8 <= raw.length && raw[i] <= 2 && raw[i + 1] === 0 && raw[i + 2] === 0 && raw[i + 3] === 0) {
    const size = raw.readUInt32BE(i + 4);
    parts.push(raw.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return (i === raw.length ? Buffer.concat(parts) : raw).toString("utf8").trim();
}
var ConnectionWaitStrategy = class {
  /**
   * `up`: ready once the server answers at all, a refused password included (a kept cluster holds no
   * password until the run sets its own: see `ContainerPostgres.start`).
   */
  constructor(urlFor, until = "login") {
    this.urlFor = urlFor;
    this.until = until;
  }
  urlFor;
  until;
  timeoutMs = 12e4;
  timeoutSet = false;
  async waitUntilReady(container, boundPorts) {
    const { getContainerRuntimeClient } = await loadTestcontainers();
    const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
    const url = this.urlFor(host, boundPorts.getBinding(POSTGRES_PORT));
    let exited;
    let done = false;
    const watch = (async () => {
      while (!done && !exited) {
        await new Promise((r) => setTimeout(r, 250));
        const { State } = await container.inspect().catch(() => ({ State: void 0 }));
        if (State && !State.Running && State.Status !== "created") {
          const logs = await container.logs({ stdout: true, stderr: true, tail: 10, follow: false }).then(demuxLogs, () => "");
          exited = `the container ${State.Status} (exit code ${State.ExitCode}) before PostgreSQL accepted connections` + (logs ? `; its last output:
${logs}` : "");
        }
      }
    })();
    try {
      await waitForConnection(url, {
        timeoutMs: this.timeoutMs,
        stillStarting: () => exited,
        answered: this.until === "up" ? (error) => PASSWORD_REFUSED.has(String(error.code)) : void 0
      });
    } finally {
      done = true;
      await watch;
    }
  }
  withStartupTimeout(startupTimeoutMs) {
    this.timeoutMs = startupTimeoutMs;
    this.timeoutSet = true;
    return this;
  }
  isStartupTimeoutSet() {
    return this.timeoutSet;
  }
  getStartupTimeout() {
    return this.timeoutMs;
  }
};
var PASSWORD_REFUSED = /* @__PURE__ */ new Set(["28P01", "28000"]);
var KEPT_MOUNT = "/schemabot-kept.tar";
var UNPACK_KEPT = 'set -e; parent="$(dirname "$PGDATA")"; mkdir -p "$parent"; tar -xf ' + KEPT_MOUNT + ' -C "$parent"; exec docker-entrypoint.sh "$@"';
var BACKUP_KEPT = 'set -e; out=/tmp/schemabot-kept; rm -rf "$out"; mkdir -p "$out"; dest="$out/$(basename "$PGDATA")"; pg_basebackup -D "$dest" -X fetch -c fast -U postgres -w; echo "$dest"';
var SET_PASSWORD = `printf '%s\\n' "ALTER ROLE postgres PASSWORD :'pw'" | psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres -v pw="$SCHEMABOT_PASSWORD"`;
var KEPT_ARCHIVE = "data.tar";
async function engineOnThisMachine() {
  try {
    const { getContainerRuntimeClient } = await loadTestcontainers();
    const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
    return ["localhost", "127.0.0.1", "::1"].includes(host);
  } catch {
    return false;
  }
}
function keptFolder(cluster, image) {
  return `${cluster}-c${createHash("sha256").update(image).digest("hex").slice(0, 8)}`;
}
function readKept(folder, image) {
  const kept = readKeptFile(folder);
  if (kept?.image !== image || typeof kept.version !== "string") return void 0;
  try {
    return statSync(join(folder, KEPT_ARCHIVE)).isFile() ? kept : void 0;
  } catch {
    return void 0;
  }
}
var ContainerPostgres = class _ContainerPostgres {
  constructor(container, maintenanceUrl, image, version, major, kept, cluster, log) {
    this.container = container;
    this.maintenanceUrl = maintenanceUrl;
    this.image = image;
    this.version = version;
    this.major = major;
    this.kept = kept;
    this.cluster = cluster;
    this.log = log;
    this.untrack = track(this);
  }
  container;
  maintenanceUrl;
  image;
  version;
  major;
  kept;
  cluster;
  log;
  provider = "testcontainers";
  stopped = false;
  untrack;
  /** What `stop()` keeps (see `PostgresServer.keepAtStop`). */
  keeping;
  /** The superuser the container's server was initialised with. */
  superuser = "postgres";
  /** Runs a program inside the container (its own `pg_dump`, of the server's version). */
  async exec(command, options = {}) {
    const r = await this.container.exec(command, {
      ...options.user ? { user: options.user } : {},
      ...options.env ? { env: options.env } : {}
    });
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  }
  /** The container's id (for diagnostics). */
  get containerId() {
    return this.container.getId();
  }
  static async start(options) {
    const image = options.image ?? defaultImage(options.version ?? DEFAULT_MAJOR);
    const folder = options.cluster && await engineOnThisMachine() && keptFolder(options.cluster, image);
    const kept = folder ? readKept(folder, image) : void 0;
    if (folder && kept) {
      try {
        const server = await _ContainerPostgres.launch(image, options, { folder, kept });
        touch(join(folder, KEPT_FILE));
        return server;
      } catch (err) {
        options.log?.(
          `The cluster kept in ${folder} did not start (${err.message.split("\n")[0]}); starting a new one`
        );
        rmSync(folder, { recursive: true, force: true });
      }
    }
    return _ContainerPostgres.launch(image, options, folder ? { folder } : void 0);
  }
  static async launch(image, options, keep) {
    const imageMajor = majorOfImage(image);
    const { PostgreSqlContainer } = await loadTestcontainers();
    const password = newPassword();
    const dataMount = (imageMajor ?? 0) >= 18 ? "/var/lib/postgresql" : "/var/lib/postgresql/data";
    const settings = Object.entries({ ...THROWAWAY_SETTINGS, ...options.settings }).flatMap(([k, v]) => [
      "-c",
      `${k}=${v}`
    ]);
    const kept = keep?.kept;
    const urlFor = (host, port) => `postgres://postgres:${password}@${host.includes(":") ? `[${host}]` : host}:${port}/postgres`;
    let container;
    const t0 = Date.now();
    try {
      let request = new PostgreSqlContainer(image).withDatabase("postgres").withUsername("postgres").withPassword(password).withTmpFs({ [dataMount]: "rw" }).withCommand(["postgres", ...settings]).withLabels({ "org.schemabot.throwaway": "true" }).withWaitStrategy(new ConnectionWaitStrategy(urlFor, kept ? "up" : "login"));
      if (kept) {
        request = request.withBindMounts([{ source: join(keep.folder, KEPT_ARCHIVE), target: KEPT_MOUNT, mode: "ro" }]).withEntrypoint(["sh", "-c", UNPACK_KEPT, "sh"]);
      }
      container = await request.start();
    } catch (err) {
      if (kept) throw new Error(redactText(err.message, [password]), { cause: err });
      throw new PostgresUnavailableError(
        redactText(
          `Could not start PostgreSQL in a container from image ${image} with testcontainers: ${err.message}. Check that Docker is running and the image can be pulled (or is present), or use ${knobValue("postgres", "local", options.frontEnd)} or ${knobValue("postgres", "url", options.frontEnd)}.`,
          [password]
        ),
        { cause: err }
      );
    }
    const url = container.getConnectionUri();
    let info;
    try {
      if (kept) {
        const set = await container.exec(["sh", "-c", SET_PASSWORD], {
          user: "postgres",
          env: { SCHEMABOT_PASSWORD: password }
        });
        if (set.exitCode !== 0) throw new Error(`its password could not be set: ${set.stderr.trim()}`);
      }
      info = await serverInfo(url);
      if (kept && info.version !== kept.version) {
        throw new Error(`it was kept by PostgreSQL ${kept.version}, the image runs ${info.version}`);
      }
    } catch (err) {
      await container.stop().catch(() => void 0);
      if (kept) throw new Error(redactText(err.message, [password]), { cause: err });
      throw new PostgresUnavailableError(
        redactText(
          `The container from ${image} started but does not accept connections: ${err.message}`,
          [password]
        ),
        { cause: err }
      );
    }
    if (options.version !== void 0 && info.major !== options.version) {
      await container.stop().catch(() => void 0);
      throw new PostgresUnavailableError(
        `PostgreSQL ${options.version} was requested but image ${image} runs ${info.version}. Use an image of that major version (e.g. ${defaultImage(options.version)}) or drop ${knob("postgres-version", options.frontEnd)}.`
      );
    }
    options.log?.(
      `Started PostgreSQL ${info.version} in container ${container.getId().slice(0, 12)} (${image}, data on tmpfs) on ${container.getHost()}:${container.getPort()} in ${Date.now() - t0} ms` + (kept ? ", on the cluster kept by an earlier run" : "")
    );
    return new _ContainerPostgres(
      container,
      url,
      image,
      info.version,
      info.major,
      kept && { database: kept.database, note: kept.note },
      keep?.folder,
      options.log
    );
  }
  /** What `stop()` keeps (see `PostgresServer.keepAtStop`). */
  keepAtStop(database, note) {
    if (!this.cluster || this.stopped) return false;
    this.keeping = { database, note };
    return true;
  }
  /**
   * Keeps the cluster for the next run: every database but `keep.database` dropped, the superuser's
   * password removed, then a base backup taken in the container and its archive written next to the
   * folder and swapped into place. The container is removed afterwards either way.
   */
  async keepCluster(keep) {
    const t0 = performance.now();
    const folder = this.cluster;
    await dropAllBut(this.maintenanceUrl, keep.database, this.major);
    await removeSuperuserPassword(this.maintenanceUrl);
    await releaseAdmin(this.maintenanceUrl);
    const backup = await this.container.exec(["sh", "-c", BACKUP_KEPT], { user: "postgres" });
    if (backup.exitCode !== 0)
      throw new Error(`the base backup failed: ${backup.stderr.trim().slice(0, 500)}`);
    const path = backup.stdout.trim().split("\n").pop();
    await replaceFolder(folder, async (temp) => {
      const archive = await this.container.copyArchiveFromContainer(path);
      await pipeline(archive, createWriteStream(join(temp, KEPT_ARCHIVE), { mode: 384 }));
      const kept = { ...keep, image: this.image, version: this.version };
      writeFileSync(join(temp, KEPT_FILE), JSON.stringify(kept) + "\n", { mode: 384 });
    });
    this.log?.(`Cluster kept for the next run in ${Math.round(performance.now() - t0)} ms`);
  }
  url(database) {
    return database === void 0 ? this.maintenanceUrl : withDatabase(this.maintenanceUrl, database);
  }
  async createDatabase(options = {}) {
    const name = options.name ?? throwawayName();
    await createDatabase(this.maintenanceUrl, name, options.template, { fileCopy: this.major >= 15 });
    return name;
  }
  async dropDatabase(name) {
    await dropDatabase(this.maintenanceUrl, name, this.major);
  }
  async renameDatabase(from, to) {
    await renameDatabase(this.maintenanceUrl, from, to);
  }
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.untrack();
    if (this.keeping) {
      try {
        await this.keepCluster(this.keeping);
      } catch (error) {
        this.log?.(`The cluster could not be kept for the next run: ${error.message}`);
      }
    }
    await releaseAdmin(this.maintenanceUrl);
    await this.container.stop({ timeout: 0, remove: true });
  }
  /** At process exit: remove the container with the docker CLI when there is one (best effort). */
  killNow() {
    if (this.stopped) return;
    this.stopped = true;
    try {
      execFileSync("docker", ["rm", "-f", "-v", this.container.getId()], {
        stdio: "ignore",
        timeout: 1e4
      });
    } catch {
    }
  }
  async [Symbol.asyncDispose]() {
    await this.stop();
  }
};
export {
  ContainerPostgres,
  DEFAULT_MAJOR,
  defaultImage,
  majorOfImage
};
