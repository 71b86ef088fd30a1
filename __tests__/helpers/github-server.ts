/**
 * A local GitHub REST API for tests: a real `node:http` server on 127.0.0.1 that implements the routes
 * Schemabot calls, keeps comments, statuses and pull requests in memory, and checks every request
 * (method, path, query, JSON body) and every response it sends against GitHub's official OpenAPI
 * description (`@octokit/openapi`). A request that matches no documented operation, or whose parameters
 * or body violate the schema, is answered 404/422 and recorded in `violations`, so a test that ends with
 * `expect(server.violations).toEqual([])` fails on it.
 */
import { recordOutput } from './outputs.js';
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The operations this server implements, as `METHOD path-template` from the OpenAPI description. */
export const IMPLEMENTED_OPERATIONS = [
  'GET /user',
  'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  'POST /repos/{owner}/{repo}/statuses/{sha}',
  'GET /repos/{owner}/{repo}/commits/{ref}/status',
  'GET /repos/{owner}/{repo}/commits/{ref}/statuses',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}',
  'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls',
] as const;

type OperationKey = (typeof IMPLEMENTED_OPERATIONS)[number];

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonObject;
}

interface Operation {
  key: string;
  method: string;
  template: string;
  operationId: string;
  pattern: RegExp;
  pathNames: string[];
  pathParams: ValidateFunction | null;
  query: ValidateFunction;
  queryNames: Set<string>;
  body: { required: boolean; validate: ValidateFunction } | null;
  responses: Map<number, ValidateFunction>;
}

interface OpenApiOperation {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonObject }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: JsonObject }> }>;
}

interface Spec {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: Record<string, JsonObject>;
    parameters: Record<string, Parameter>;
    responses: Record<string, { content?: Record<string, { schema: JsonObject }> }>;
    examples: Record<string, { value: Json }>;
  };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

function templateRegex(template: string, multiSegment: Set<string>): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{([^}]+)\}$/.exec(part);
      if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1]);
      return multiSegment.has(m[1]) ? '(.+?)' : '([^/]+)';
    })
    .join('');
  return { pattern: new RegExp(`^${source}$`), names };
}

/** Everything taken from the OpenAPI description: compiled validators and the documented path list. */
class OpenApi {
  readonly operations: Operation[] = [];
  /** Every documented `METHOD template`, to tell "undocumented" from "documented but not served here". */
  readonly documented: { method: string; template: string; pattern: RegExp }[] = [];
  readonly examples: Record<string, Json> = {};
  readonly version: string;

  constructor(spec: Spec & { info?: { version?: string } }) {
    this.version = spec.info?.version ?? 'unknown';
    for (const [template, item] of Object.entries(spec.paths)) {
      for (const method of Object.keys(item)) {
        if (!METHODS.includes(method)) continue;
        this.documented.push({
          method: method.toUpperCase(),
          template,
          pattern: templateRegex(template, new Set(['ref', 'path', 'name'])).pattern,
        });
      }
    }

    // Extract the used operations and the component schemas they reach, into one small document.
    const schemas: Record<string, JsonObject> = {};
    const collect = (node: Json): void => {
      if (Array.isArray(node)) return node.forEach(collect);
      if (node === null || typeof node !== 'object') return;
      const ref = node.$ref;
      if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
        const name = ref.slice('#/components/schemas/'.length);
        if (!schemas[name]) {
          schemas[name] = spec.components.schemas[name];
          collect(schemas[name]);
        }
      }
      Object.values(node).forEach(collect);
    };
    const ops: Record<string, JsonObject> = {};
    const resolved: { key: string; op: OpenApiOperation; params: Parameter[] }[] = [];
    for (const key of IMPLEMENTED_OPERATIONS) {
      const [method, template] = key.split(' ');
      const op = spec.paths[template]?.[method.toLowerCase()];
      if (!op) throw new Error(`The OpenAPI description has no operation ${key}.`);
      const params = (op.parameters ?? []).map((p) =>
        '$ref' in p ? spec.components.parameters[p.$ref.split('/').pop() as string] : p,
      );
      const entry: JsonObject = { responses: {} };
      const body = op.requestBody?.content['application/json']?.schema;
      if (body) entry.body = body as Json;
      for (const [code, response] of Object.entries(op.responses)) {
        const r = response.$ref
          ? spec.components.responses[response.$ref.split('/').pop() as string]
          : (response as { content?: Record<string, { schema: JsonObject }> });
        const schema = r?.content?.['application/json']?.schema;
        if (schema) (entry.responses as JsonObject)[code] = schema;
      }
      collect(entry);
      ops[op.operationId.replace(/\//g, '.')] = entry;
      resolved.push({ key, op, params });
    }
    for (const name of [
      'issue-comment',
      'status',
      'simple-user',
      'private-user',
      'pull-request',
      'pull-request-simple',
    ]) {
      this.examples[name] = spec.components.examples[name].value;
    }

    const id = 'https://schemabot.test/github-openapi.json';
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    ajv.addSchema({ $id: id, components: { schemas }, operations: ops } as object);
    const paramAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: true, useDefaults: false });
    addFormats(paramAjv);

    for (const { key, op, params } of resolved) {
      const [method, template] = key.split(' ');
      const pointer = `${id}#/operations/${op.operationId.replace(/\//g, '.')}`;
      const multi = new Set(
        params.filter((p) => (p as unknown as JsonObject)['x-multi-segment'] === true).map((p) => p.name),
      );
      const { pattern, names } = templateRegex(template, multi);
      const objectSchema = (where: Parameter['in']) => {
        const list = params.filter((p) => p.in === where);
        return {
          type: 'object',
          properties: Object.fromEntries(list.map((p) => [p.name, p.schema])),
          required: list.filter((p) => p.required).map((p) => p.name),
          additionalProperties: false,
        };
      };
      const responses = new Map<number, ValidateFunction>();
      for (const code of Object.keys(ops[op.operationId.replace(/\//g, '.')].responses as JsonObject)) {
        responses.set(Number(code), ajv.getSchema(`${pointer}/responses/${code}`) as ValidateFunction);
      }
      this.operations.push({
        key,
        method,
        template,
        operationId: op.operationId,
        pattern,
        pathNames: names,
        pathParams: names.length ? paramAjv.compile(objectSchema('path')) : null,
        query: paramAjv.compile(objectSchema('query')),
        queryNames: new Set(params.filter((p) => p.in === 'query').map((p) => p.name)),
        body: op.requestBody
          ? {
              required: op.requestBody.required === true,
              validate: ajv.getSchema(`${pointer}/body`) as ValidateFunction,
            }
          : null,
        responses,
      });
    }
  }
}

let cachedSpec: OpenApi | undefined;

/** Loads GitHub's description from the installed `@octokit/openapi` (once per test file). */
export function loadOpenApi(): OpenApi {
  if (!cachedSpec) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    cachedSpec = new OpenApi(JSON.parse(readFileSync(file, 'utf8')) as Spec);
  }
  return cachedSpec;
}

export interface Violation {
  kind: 'undocumented' | 'not-implemented' | 'path' | 'query' | 'body' | 'auth' | 'response';
  method: string;
  path: string;
  operation?: string;
  errors: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** `performance.now()` when the request arrived. */
  at: number;
  operation: string | null;
}

export interface UserRecord {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export const ACTIONS_BOT: UserRecord = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };

/**
 * Who the token belongs to. `installation` is the Actions `GITHUB_TOKEN`: it posts as
 * `github-actions[bot]` and `GET /user` answers 403 "Resource not accessible by integration".
 */
export type TokenIdentity = { kind: 'installation'; bot?: UserRecord } | { kind: 'user'; user: UserRecord };

export type Failure =
  'server-error' | 'forbidden' | 'not-found' | 'rate-limit' | 'rate-limit-429' | 'secondary-rate-limit';

interface PendingFailure {
  remaining: number;
  failure: Failure;
  method?: string;
  path?: RegExp;
  /** Seconds GitHub asks to wait (rate limits). */
  retryAfter: number;
}

export interface StoredComment {
  id: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  user: UserRecord;
  createdAt: string;
  updatedAt: string;
}

export interface StoredStatus {
  id: number;
  state: string;
  description: string | null;
  targetUrl: string | null;
  context: string;
  creator: UserRecord;
  createdAt: string;
}

export interface StoredPullRequest {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  baseSha: string;
  /** `owner/name` of the head repository (a fork's name for fork pull requests). */
  headRepo: string;
  headRef: string;
  state: 'open' | 'closed';
}

export interface GitHubServerOptions {
  /** The token requests must carry (`Authorization: token …` or `Bearer …`). */
  token?: string;
  identity?: TokenIdentity;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ' ' + JSON.stringify(e.params) : ''}`,
  );
}

export class GitHubApiServer {
  readonly token: string;
  readonly requests: RecordedRequest[] = [];
  readonly violations: Violation[] = [];
  identity: TokenIdentity;
  private readonly api = loadOpenApi();
  private readonly server: Server;
  private baseUrl = '';
  private nextId = 1000;
  private readonly failures: PendingFailure[] = [];
  private readonly commentStore: StoredComment[] = [];
  private readonly statusStore = new Map<string, StoredStatus[]>();
  private readonly pullStore: StoredPullRequest[] = [];

  private constructor(options: GitHubServerOptions) {
    this.token = options.token ?? `ghs_${randomUUID().replace(/-/g, '')}`;
    this.identity = options.identity ?? { kind: 'installation' };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `test server bug: ${err.stack}` }));
      });
    });
  }

  static async start(options: GitHubServerOptions = {}): Promise<GitHubApiServer> {
    const server = new GitHubApiServer(options);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    server.baseUrl = `http://127.0.0.1:${port}`;
    return server;
  }

  /** The API root to use as `GITHUB_API_URL`. */
  get url(): string {
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** The login the token posts as. */
  get actor(): UserRecord {
    return this.identity.kind === 'installation' ? (this.identity.bot ?? ACTIONS_BOT) : this.identity.user;
  }

  // ── Test controls ────────────────────────────────────────────────────────────────────────────────

  /** Makes the next `count` matching requests fail (`Infinity` for all of them). */
  failNext(
    count: number,
    failure: Failure,
    options: { method?: string; path?: RegExp; retryAfter?: number } = {},
  ): void {
    this.failures.push({ remaining: count, failure, retryAfter: options.retryAfter ?? 1, ...options });
  }

  /** Forgets failures that were armed but not used up. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  seedComment(options: {
    owner: string;
    repo: string;
    issueNumber: number;
    body: string;
    user?: UserRecord;
  }): StoredComment {
    const now = new Date().toISOString();
    const comment: StoredComment = {
      id: this.nextId++,
      owner: options.owner,
      repo: options.repo,
      issueNumber: options.issueNumber,
      body: options.body,
      user: options.user ?? this.actor,
      createdAt: now,
      updatedAt: now,
    };
    this.commentStore.push(comment);
    return comment;
  }

  seedPullRequest(
    pr: Omit<StoredPullRequest, 'state' | 'headRef' | 'headRepo'> & Partial<StoredPullRequest>,
  ): StoredPullRequest {
    const stored: StoredPullRequest = {
      state: 'open',
      headRef: 'feature',
      headRepo: `${pr.owner}/${pr.repo}`,
      ...pr,
    };
    this.pullStore.push(stored);
    return stored;
  }

  comments(owner: string, repo: string, issueNumber: number): StoredComment[] {
    return this.commentStore.filter(
      (c) => c.owner === owner && c.repo === repo && c.issueNumber === issueNumber,
    );
  }

  /** Statuses of a commit, newest first (as GitHub lists them). */
  statuses(owner: string, repo: string, sha: string): StoredStatus[] {
    return [...(this.statusStore.get(`${owner}/${repo}@${sha}`) ?? [])];
  }

  requestsTo(operation: OperationKey): RecordedRequest[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  // ── Request handling ─────────────────────────────────────────────────────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const url = new URL(req.url ?? '/', this.baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = decodeURIComponent(url.pathname);
    const query = Object.fromEntries(url.searchParams);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    recordOutput(`github ${method} request body`, raw);
    const record: RecordedRequest = { method, path, query, body: undefined, status: 0, at, operation: null };
    this.requests.push(record);

    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-media-type': 'github.v3; format=json',
        ...headers,
      });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const violate = (v: Omit<Violation, 'method' | 'path'>, status: number, message: string) => {
      this.violations.push({ method, path, ...v });
      send(status, {
        message,
        documentation_url: 'https://docs.github.com/rest',
        ...(status === 422 ? { errors: v.errors.map((e) => ({ code: 'invalid', message: e })) } : {}),
        status: String(status),
      });
    };

    // Which documented operation is this?
    const match = this.api.operations
      .filter((op) => op.method === method)
      .map((op) => ({ op, m: op.pattern.exec(path) }))
      .find((x) => x.m !== null);
    if (!match) {
      const documented = this.api.documented.find((d) => d.method === method && d.pattern.test(path));
      if (documented) {
        return violate(
          { kind: 'not-implemented', operation: `${documented.method} ${documented.template}`, errors: [] },
          501,
          `The test server does not implement ${documented.method} ${documented.template}.`,
        );
      }
      return violate(
        { kind: 'undocumented', errors: [`${method} ${path} matches no documented operation`] },
        404,
        'Not Found',
      );
    }
    const { op, m } = match;
    record.operation = op.key;

    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${this.token}` && auth !== `Bearer ${this.token}`) {
      return violate(
        { kind: 'auth', operation: op.key, errors: ['missing or wrong Authorization header'] },
        401,
        'Bad credentials',
      );
    }

    const pathParams: Record<string, unknown> = Object.fromEntries(
      op.pathNames.map((n, i) => [n, m![i + 1]]),
    );
    if (op.pathParams && !op.pathParams(pathParams)) {
      return violate(
        { kind: 'path', operation: op.key, errors: formatErrors(op.pathParams.errors) },
        404,
        'Not Found',
      );
    }
    const queryParams: Record<string, unknown> = { ...query };
    if (!op.query(queryParams)) {
      return violate(
        { kind: 'query', operation: op.key, errors: formatErrors(op.query.errors) },
        422,
        'Validation Failed',
      );
    }

    let body: unknown = undefined;
    if (raw.length > 0) {
      if (!op.body) {
        return violate(
          { kind: 'body', operation: op.key, errors: ['this operation takes no request body'] },
          422,
          'Validation Failed',
        );
      }
      if (!String(req.headers['content-type'] ?? '').includes('application/json')) {
        return violate(
          { kind: 'body', operation: op.key, errors: ['the body must be application/json'] },
          415,
          'Unsupported Media Type',
        );
      }
      try {
        body = JSON.parse(raw);
      } catch {
        return violate(
          { kind: 'body', operation: op.key, errors: ['the body is not JSON'] },
          400,
          'Problems parsing JSON',
        );
      }
    }
    record.body = body;
    if (op.body) {
      if (body === undefined && op.body.required) {
        return violate(
          { kind: 'body', operation: op.key, errors: ['a request body is required'] },
          422,
          'Validation Failed',
        );
      }
      if (body !== undefined && !op.body.validate(body)) {
        return violate(
          { kind: 'body', operation: op.key, errors: formatErrors(op.body.validate.errors) },
          422,
          'Invalid request.',
        );
      }
    }

    const failure = this.takeFailure(method, path);
    if (failure) return this.sendFailure(failure, send);

    const [status, payload, headers] = this.route(
      op.key as OperationKey,
      pathParams as Record<string, string>,
      queryParams,
      body as JsonObject,
    );
    if (status >= 200 && status < 300) {
      const validate = op.responses.get(status);
      if (!validate) {
        this.violations.push({
          kind: 'response',
          method,
          path,
          operation: op.key,
          errors: [`status ${status} is not documented`],
        });
      } else if (!validate(payload)) {
        this.violations.push({
          kind: 'response',
          method,
          path,
          operation: op.key,
          errors: formatErrors(validate.errors),
        });
      }
    }
    send(status, payload, headers);
  }

  private takeFailure(method: string, path: string): PendingFailure | undefined {
    const f = this.failures.find(
      (x) => x.remaining > 0 && (!x.method || x.method === method) && (!x.path || x.path.test(path)),
    );
    if (f) f.remaining -= 1;
    return f;
  }

  private sendFailure(
    f: PendingFailure,
    send: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const doc = { documentation_url: 'https://docs.github.com/rest' };
    switch (f.failure) {
      case 'server-error':
        return send(500, { message: 'Server Error', ...doc, status: '500' });
      case 'forbidden':
        return send(403, { message: 'Resource not accessible by integration', ...doc, status: '403' });
      case 'not-found':
        return send(404, { message: 'Not Found', ...doc, status: '404' });
      case 'rate-limit':
      case 'rate-limit-429': {
        const reset = Math.ceil(Date.now() / 1000) + f.retryAfter;
        return send(
          f.failure === 'rate-limit' ? 403 : 429,
          { message: 'API rate limit exceeded for installation ID 1.', ...doc, status: '403' },
          {
            'x-ratelimit-limit': '5000',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-used': '5000',
            'x-ratelimit-reset': String(reset),
            'x-ratelimit-resource': 'core',
          },
        );
      }
      case 'secondary-rate-limit':
        return send(
          403,
          {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
            ...doc,
            status: '403',
          },
          { 'retry-after': String(f.retryAfter) },
        );
    }
  }

  // ── Routes ───────────────────────────────────────────────────────────────────────────────────────

  private userJson(user: UserRecord): Json {
    const u = clone(this.api.examples['simple-user']) as JsonObject;
    const login = user.login;
    Object.assign(u, {
      login,
      id: user.id,
      node_id: Buffer.from(`04:User${user.id}`).toString('base64'),
      type: user.type,
      url: `${this.baseUrl}/users/${encodeURIComponent(login)}`,
      html_url: `https://github.com/${user.type === 'Bot' ? 'apps/' + login.replace(/\[bot\]$/, '') : login}`,
      site_admin: false,
    });
    return u;
  }

  private commentJson(c: StoredComment): Json {
    const out = clone(this.api.examples['issue-comment']) as JsonObject;
    Object.assign(out, {
      id: c.id,
      node_id: Buffer.from(`IC_${c.id}`).toString('base64'),
      url: `${this.baseUrl}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
      html_url: `https://github.com/${c.owner}/${c.repo}/pull/${c.issueNumber}#issuecomment-${c.id}`,
      issue_url: `${this.baseUrl}/repos/${c.owner}/${c.repo}/issues/${c.issueNumber}`,
      body: c.body,
      user: this.userJson(c.user),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
    });
    delete out.reactions;
    return out;
  }

  private statusJson(owner: string, repo: string, sha: string, s: StoredStatus): Json {
    const out = clone(this.api.examples['status']) as JsonObject;
    Object.assign(out, {
      url: `${this.baseUrl}/repos/${owner}/${repo}/statuses/${sha}`,
      id: s.id,
      node_id: Buffer.from(`SC_${s.id}`).toString('base64'),
      state: s.state,
      description: s.description,
      target_url: s.targetUrl,
      context: s.context,
      created_at: s.createdAt,
      updated_at: s.createdAt,
      creator: this.userJson(s.creator),
    });
    return out;
  }

  private pullJson(pr: StoredPullRequest, example: 'pull-request' | 'pull-request-simple'): Json {
    const out = clone(this.api.examples[example]) as JsonObject;
    const api = `${this.baseUrl}/repos/${pr.owner}/${pr.repo}`;
    const web = `https://github.com/${pr.owner}/${pr.repo}`;
    Object.assign(out, {
      url: `${api}/pulls/${pr.number}`,
      id: 500000 + pr.number,
      number: pr.number,
      state: pr.state,
      html_url: `${web}/pull/${pr.number}`,
      diff_url: `${web}/pull/${pr.number}.diff`,
      patch_url: `${web}/pull/${pr.number}.patch`,
      issue_url: `${api}/issues/${pr.number}`,
      comments_url: `${api}/issues/${pr.number}/comments`,
      statuses_url: `${api}/statuses/${pr.headSha}`,
      // GitHub's own example lists a team without its required `type`; a fresh pull request has none.
      requested_teams: [],
      requested_reviewers: [],
    });
    const side = (key: 'head' | 'base', sha: string, fullName: string, ref: string) => {
      const s = out[key] as JsonObject;
      const [owner, name] = fullName.split('/');
      s.sha = sha;
      s.ref = ref;
      s.label = `${owner}:${ref}`;
      const repo = s.repo as JsonObject | null;
      if (repo) {
        repo.name = name;
        repo.full_name = fullName;
        repo.html_url = `https://github.com/${fullName}`;
        repo.url = `${this.baseUrl}/repos/${fullName}`;
        repo.fork = key === 'head' && fullName !== `${pr.owner}/${pr.repo}`;
        (repo.owner as JsonObject).login = owner;
      }
    };
    side('head', pr.headSha, pr.headRepo, pr.headRef);
    side('base', pr.baseSha, `${pr.owner}/${pr.repo}`, 'main');
    return out;
  }

  private page<T>(items: T[], query: Record<string, unknown>, path: string): [T[], Record<string, string>] {
    const perPage = Math.min(Number(query.per_page ?? 30), 100);
    const page = Math.max(Number(query.page ?? 1), 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number, rel: string) => {
      const u = new URL(this.baseUrl + path);
      for (const [k, v] of Object.entries(query)) u.searchParams.set(k, String(v));
      u.searchParams.set('per_page', String(perPage));
      u.searchParams.set('page', String(p));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    return [
      items.slice((page - 1) * perPage, page * perPage),
      links.length ? { link: links.join(', ') } : {},
    ];
  }

  private route(
    key: OperationKey,
    p: Record<string, string>,
    query: Record<string, unknown>,
    body: JsonObject,
  ): [number, Json, Record<string, string>?] {
    const notFound: [number, Json] = [
      404,
      { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
    ];
    switch (key) {
      case 'GET /user': {
        if (this.identity.kind === 'installation') {
          return [
            403,
            {
              message: 'Resource not accessible by integration',
              documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
              status: '403',
            },
          ];
        }
        const u = clone(this.api.examples['private-user']) as JsonObject;
        Object.assign(u, this.userJson(this.identity.user) as JsonObject);
        u.user_view_type = 'private';
        return [200, u];
      }
      case 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const all = this.comments(p.owner, p.repo, Number(p.issue_number));
        const [items, headers] = this.page(
          all,
          query,
          `/repos/${p.owner}/${p.repo}/issues/${p.issue_number}/comments`,
        );
        return [200, items.map((c) => this.commentJson(c)), headers];
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const text = body.body as string;
        if (text.length > 65536) {
          return [
            422,
            {
              message: 'Validation Failed',
              documentation_url: 'https://docs.github.com/rest',
              errors: [
                {
                  resource: 'IssueComment',
                  code: 'custom',
                  field: 'body',
                  message: 'body is too long (maximum is 65536 characters)',
                },
              ],
            },
          ];
        }
        const c = this.seedComment({
          owner: p.owner,
          repo: p.repo,
          issueNumber: Number(p.issue_number),
          body: text,
          user: this.actor,
        });
        return [
          201,
          this.commentJson(c),
          { location: `${this.baseUrl}/repos/${p.owner}/${p.repo}/issues/comments/${c.id}` },
        ];
      }
      case 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const c = this.commentStore.find(
          (x) => x.owner === p.owner && x.repo === p.repo && x.id === Number(p.comment_id),
        );
        if (!c) return notFound;
        const text = body.body as string;
        if (text.length > 65536) {
          return [
            422,
            {
              message: 'Validation Failed',
              documentation_url: 'https://docs.github.com/rest',
              errors: [
                {
                  resource: 'IssueComment',
                  code: 'custom',
                  field: 'body',
                  message: 'body is too long (maximum is 65536 characters)',
                },
              ],
            },
          ];
        }
        if (c.user.login !== this.actor.login) {
          return [
            403,
            {
              message: 'Must have admin rights to Repository.',
              documentation_url: 'https://docs.github.com/rest',
              status: '403',
            },
          ];
        }
        c.body = text;
        c.updatedAt = new Date(Math.max(Date.now(), Date.parse(c.updatedAt) + 1000)).toISOString();
        return [200, this.commentJson(c)];
      }
      case 'POST /repos/{owner}/{repo}/statuses/{sha}': {
        if (!/^[0-9a-f]{40}$/.test(p.sha)) {
          return [
            422,
            {
              message: 'No commit found for SHA: ' + p.sha,
              documentation_url: 'https://docs.github.com/rest',
            },
          ];
        }
        const description = (body.description as string | null | undefined) ?? null;
        if (description !== null && description.length > 140) {
          return [
            422,
            {
              message: 'Validation Failed',
              documentation_url: 'https://docs.github.com/rest',
              errors: [
                {
                  resource: 'Status',
                  code: 'custom',
                  field: 'description',
                  message: 'description is too long (maximum is 140 characters)',
                },
              ],
            },
          ];
        }
        const s: StoredStatus = {
          id: this.nextId++,
          state: body.state as string,
          description,
          targetUrl: (body.target_url as string | null | undefined) ?? null,
          context: (body.context as string | undefined) ?? 'default',
          creator: this.actor,
          createdAt: new Date().toISOString(),
        };
        const key = `${p.owner}/${p.repo}@${p.sha}`;
        this.statusStore.set(key, [s, ...(this.statusStore.get(key) ?? [])]);
        return [
          201,
          this.statusJson(p.owner, p.repo, p.sha, s),
          { location: `${this.baseUrl}/repos/${p.owner}/${p.repo}/statuses/${p.sha}` },
        ];
      }
      case 'GET /repos/{owner}/{repo}/commits/{ref}/statuses': {
        const all = this.statuses(p.owner, p.repo, p.ref);
        const [items, headers] = this.page(
          all,
          query,
          `/repos/${p.owner}/${p.repo}/commits/${p.ref}/statuses`,
        );
        return [200, items.map((s) => this.statusJson(p.owner, p.repo, p.ref, s)), headers];
      }
      case 'GET /repos/{owner}/{repo}/commits/{ref}/status': {
        const latest = new Map<string, StoredStatus>();
        for (const s of this.statuses(p.owner, p.repo, p.ref)) {
          if (!latest.has(s.context.toLowerCase())) latest.set(s.context.toLowerCase(), s);
        }
        const list = [...latest.values()];
        const state = list.some((s) => s.state === 'failure' || s.state === 'error')
          ? 'failure'
          : list.length === 0 || list.some((s) => s.state === 'pending')
            ? 'pending'
            : 'success';
        const pr = clone(this.api.examples['pull-request']) as JsonObject;
        const repository = clone((pr.base as JsonObject).repo as JsonObject) as JsonObject;
        Object.assign(repository, { name: p.repo, full_name: `${p.owner}/${p.repo}` });
        (repository.owner as JsonObject).login = p.owner;
        return [
          200,
          {
            state,
            statuses: list.map((s) => {
              const full = this.statusJson(p.owner, p.repo, p.ref, s) as JsonObject;
              delete full.creator;
              return full;
            }),
            sha: p.ref,
            total_count: list.length,
            repository,
            commit_url: `${this.baseUrl}/repos/${p.owner}/${p.repo}/commits/${p.ref}`,
            url: `${this.baseUrl}/repos/${p.owner}/${p.repo}/commits/${p.ref}/status`,
          },
        ];
      }
      case 'GET /repos/{owner}/{repo}/pulls/{pull_number}': {
        const pr = this.pullStore.find(
          (x) => x.owner === p.owner && x.repo === p.repo && x.number === Number(p.pull_number),
        );
        return pr ? [200, this.pullJson(pr, 'pull-request')] : notFound;
      }
      case 'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls': {
        const all = this.pullStore.filter(
          (x) => x.owner === p.owner && x.repo === p.repo && x.headSha === p.commit_sha,
        );
        const [items, headers] = this.page(
          all,
          query,
          `/repos/${p.owner}/${p.repo}/commits/${p.commit_sha}/pulls`,
        );
        return [200, items.map((x) => this.pullJson(x, 'pull-request-simple')), headers];
      }
    }
  }
}
