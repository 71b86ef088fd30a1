import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Where a Docker engine may listen, in the order testcontainers tries them. */
export interface DockerEndpoint {
  /** As a person would write it: `unix:///var/run/docker.sock`, `tcp://host:2376`. */
  uri: string;
  /** Why this endpoint is a candidate: `DOCKER_HOST`, `~/.testcontainers.properties`, `default socket`. */
  from: string;
}

export interface DockerProbe {
  ok: boolean;
  /** The endpoint that answered, or the last one tried. */
  endpoint?: DockerEndpoint;
  /** One sentence for people: what answered, or why none did. */
  reason: string;
}

function testcontainersProperties(): Record<string, string> {
  const file = join(homedir(), '.testcontainers.properties');
  if (!existsSync(file)) return {};
  const props: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([\w.]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (m) props[m[1]!] = m[2]!;
  }
  return props;
}

/** Candidate engines, following testcontainers' own strategies (host override, DOCKER_HOST, sockets). */
export function dockerEndpoints(env: NodeJS.ProcessEnv = process.env): DockerEndpoint[] {
  const out: DockerEndpoint[] = [];
  const props = testcontainersProperties();
  if (props['tc.host']) out.push({ uri: props['tc.host'], from: '~/.testcontainers.properties tc.host' });
  if (env.DOCKER_HOST) out.push({ uri: env.DOCKER_HOST, from: 'DOCKER_HOST' });
  else if (props['docker.host'])
    out.push({ uri: props['docker.host'], from: '~/.testcontainers.properties docker.host' });
  const sockets = ['/var/run/docker.sock'];
  if (env.XDG_RUNTIME_DIR) sockets.push(join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  sockets.push(join(homedir(), '.docker', 'run', 'docker.sock'));
  sockets.push(join(homedir(), '.docker', 'desktop', 'docker.sock'));
  sockets.push(join('/run', 'user', String(userInfo().uid), 'docker.sock'));
  for (const s of sockets) out.push({ uri: `unix://${s}`, from: 'default socket' });
  return out;
}

async function pingUnix(socketPath: string, timeoutMs: number): Promise<string | undefined> {
  // Imported here, where a socket exists: importing node:http loads Node's fetch implementation
  // (about 50 ms of CPU), which a run without Docker never needs.
  const { request } = await import('node:http');
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? undefined : `answered HTTP ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
}

function connectTcp(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.on('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve(`no answer within ${timeoutMs} ms`);
    });
    socket.on('error', (err) => resolve(err.message));
  });
}

async function probeOne(endpoint: DockerEndpoint, timeoutMs: number): Promise<string | undefined> {
  const uri = endpoint.uri;
  if (uri.startsWith('unix://')) {
    const path = uri.slice('unix://'.length);
    if (!existsSync(path)) return `${path} does not exist`;
    return pingUnix(path, timeoutMs);
  }
  if (uri.startsWith('tcp://') || uri.startsWith('http://') || uri.startsWith('https://')) {
    const u = new URL(uri.replace(/^tcp:/, 'http:'));
    // TLS engines need certificates to ping; reaching the port is enough to try testcontainers.
    return connectTcp(u.hostname, Number(u.port || 2375), timeoutMs);
  }
  if (uri.startsWith('npipe://')) return undefined;
  return `unsupported scheme in ${uri}`;
}

/**
 * Whether a Docker engine answers, without loading testcontainers: a `/_ping` on each candidate
 * socket (or a TCP connect for a remote engine), each bounded by `timeoutMs`.
 */
export async function probeDocker(
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<DockerProbe> {
  const timeoutMs = options.timeoutMs ?? 1500;
  const failures: string[] = [];
  let last: DockerEndpoint | undefined;
  for (const endpoint of dockerEndpoints(options.env)) {
    last = endpoint;
    const problem = await probeOne(endpoint, timeoutMs);
    if (!problem)
      return { ok: true, endpoint, reason: `a Docker engine answers at ${endpoint.uri} (${endpoint.from})` };
    if (endpoint.from !== 'default socket' || !problem.endsWith('does not exist'))
      failures.push(`${endpoint.uri} (${endpoint.from}): ${problem}`);
  }
  return {
    ok: false,
    endpoint: last,
    reason: failures.length
      ? `no Docker engine answers: ${failures.join('; ')}`
      : 'no Docker engine found (DOCKER_HOST is not set and no Docker socket exists)',
  };
}
