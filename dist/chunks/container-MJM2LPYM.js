import { createRequire as __schemabotCreateRequire } from 'node:module'; import { fileURLToPath as __schemabotFileURLToPath } from 'node:url'; const require = __schemabotCreateRequire(import.meta.url); const __filename = __schemabotFileURLToPath(import.meta.url); const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));
import {
  PostgresUnavailableError,
  THROWAWAY_SETTINGS,
  createDatabase,
  dropDatabase,
  knob,
  knobValue,
  newPassword,
  redactText,
  releaseAdmin,
  renameDatabase,
  serverInfo,
  throwawayName,
  track,
  waitForConnection,
  withDatabase
} from "./chunk-RSMF64BD.js";
import "./chunk-NEOG2NI4.js";
import "./chunk-H3F4CYK2.js";
import "./chunk-CHXII7AT.js";

// src/postgres/container.ts
import { execFileSync } from "node:child_process";
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
  constructor(urlFor) {
    this.urlFor = urlFor;
  }
  urlFor;
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
      await waitForConnection(url, { timeoutMs: this.timeoutMs, stillStarting: () => exited });
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
var ContainerPostgres = class _ContainerPostgres {
  constructor(container, maintenanceUrl, image, version, major) {
    this.container = container;
    this.maintenanceUrl = maintenanceUrl;
    this.image = image;
    this.version = version;
    this.major = major;
    this.untrack = track(this);
  }
  container;
  maintenanceUrl;
  image;
  version;
  major;
  provider = "testcontainers";
  stopped = false;
  untrack;
  /** The superuser the container's server was initialised with. */
  superuser = "postgres";
  /** Runs a program inside the container (its own `pg_dump`, of the server's version). */
  async exec(command, options = {}) {
    const r = await this.container.exec(command, options.user ? { user: options.user } : {});
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  }
  /** The container's id (for diagnostics). */
  get containerId() {
    return this.container.getId();
  }
  static async start(options) {
    const image = options.image ?? defaultImage(options.version ?? DEFAULT_MAJOR);
    const imageMajor = majorOfImage(image);
    const { PostgreSqlContainer } = await loadTestcontainers();
    const password = newPassword();
    const dataMount = (imageMajor ?? 0) >= 18 ? "/var/lib/postgresql" : "/var/lib/postgresql/data";
    const settings = Object.entries({ ...THROWAWAY_SETTINGS, ...options.settings }).flatMap(([k, v]) => [
      "-c",
      `${k}=${v}`
    ]);
    let container;
    const t0 = Date.now();
    try {
      container = await new PostgreSqlContainer(image).withDatabase("postgres").withUsername("postgres").withPassword(password).withTmpFs({ [dataMount]: "rw" }).withCommand(["postgres", ...settings]).withLabels({ "org.schemabot.throwaway": "true" }).withWaitStrategy(
        new ConnectionWaitStrategy(
          (host, port) => `postgres://postgres:${password}@${host.includes(":") ? `[${host}]` : host}:${port}/postgres`
        )
      ).start();
    } catch (err) {
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
      info = await serverInfo(url);
    } catch (err) {
      await container.stop().catch(() => void 0);
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
      `Started PostgreSQL ${info.version} in container ${container.getId().slice(0, 12)} (${image}, data on tmpfs) on ${container.getHost()}:${container.getPort()} in ${Date.now() - t0} ms`
    );
    return new _ContainerPostgres(container, url, image, info.version, info.major);
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
