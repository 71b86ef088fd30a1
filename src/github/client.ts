import { retry } from '@octokit/plugin-retry';
import { throttling, type ThrottlingOptions } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { redactDeep } from '../shared/secrets.js';

/** Where the GitHub layer reports retries and waits (the action passes `core`, the CLI its logger). */
export interface GitHubLogger {
  info(message: string): void;
  warning(message: string): void;
  /** One line per HTTP request and attempt (`GET /user - 403 … in 12ms`), e.g. `core.debug`. */
  debug?(message: string): void;
}

export interface GitHubClientOptions {
  /** A `GITHUB_TOKEN`, an installation token or a personal access token. */
  token: string;
  /** REST API root; defaults to `GITHUB_API_URL`, then https://api.github.com. */
  baseUrl?: string;
  log?: GitHubLogger;
  /** Retries of a request that failed with a 5xx or a network error (default 3). */
  retries?: number;
  /** Retries of a request that hit a primary or secondary rate limit (default 2). */
  rateLimitRetries?: number;
  /** Never wait longer than this for a rate limit to reset; fail instead (default 120 s). */
  maxRateLimitWaitSeconds?: number;
  /**
   * Milliseconds per second of back-off (default 1000). Retry delays are 1, 4, 9… of these units and a
   * rate limit waits `retry-after` (or until `x-ratelimit-reset`) of them.
   */
  millisecondsPerSecond?: number;
  /**
   * Space mutating requests as GitHub asks integrations to (one write at a time, ≥ 1 s apart, ≥ 3 s for
   * requests that notify people). Default true.
   */
  writeSpacing?: boolean;
}

const SchemabotOctokit = Octokit.plugin(retry, throttling);

/** The one GitHub client Schemabot uses: Octokit REST with retries and rate-limit handling. */
export type GitHubClient = InstanceType<typeof SchemabotOctokit>;

type LimiterGroup = NonNullable<Extract<ThrottlingOptions, { onRateLimit: unknown }>['write']>;

/** A limiter group that runs every job at once, for clients that opt out of write spacing. */
function unspacedGroup(): LimiterGroup {
  const limiter = {
    schedule: (...args: unknown[]) => {
      const rest = typeof args[0] === 'function' ? args : args.slice(1);
      const [job, ...jobArgs] = rest as [(...a: unknown[]) => unknown, ...unknown[]];
      return Promise.resolve().then(() => job(...jobArgs));
    },
  };
  return { key: () => limiter } as unknown as LimiterGroup;
}

export function defaultApiUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.GITHUB_API_URL?.trim() || 'https://api.github.com';
}

/** Builds the client. Usable from the action and from the CLI (it reads nothing from an Actions context). */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const token = options.token.trim();
  if (!token) {
    throw new Error(
      'A GitHub token is required (the action passes `github-token`, the CLI reads GITHUB_TOKEN).',
    );
  }
  const log = options.log;
  const rateLimitRetries = options.rateLimitRetries ?? 2;
  const maxWait = options.maxRateLimitWaitSeconds ?? 120;
  const unit = options.millisecondsPerSecond ?? 1000;

  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const what = `${request.method} ${request.url}`;
      if (retryCount >= rateLimitRetries) {
        log?.warning(`GitHub ${kind} rate limit on ${what}: giving up after ${retryCount} retries.`);
        return false;
      }
      if (retryAfter > maxWait) {
        log?.warning(
          `GitHub ${kind} rate limit on ${what}: it resets in ${retryAfter} s, longer than the ${maxWait} s Schemabot waits.`,
        );
        return false;
      }
      log?.info(
        `GitHub ${kind} rate limit on ${what}: retrying in ${retryAfter} s (retry ${retryCount + 1}).`,
      );
      return true;
    };

  const spacing =
    options.writeSpacing === false ? { write: unspacedGroup(), notifications: unspacedGroup() } : {};

  const client = new SchemabotOctokit({
    auth: token,
    baseUrl: (options.baseUrl ?? defaultApiUrl()).replace(/\/+$/, ''),
    userAgent: 'schemabot',
    log: {
      debug: () => undefined,
      // Octokit logs every request here, failed attempts included; what matters is reported above.
      info: (message: string) => log?.debug?.(message),
      warn: (message: string) => log?.warning(message),
      error: (message: string) => log?.debug?.(message),
    },
    retry: {
      retries: options.retries ?? 3,
      retryAfterBaseValue: unit,
      // 403 and 429 are rate limits or permissions: the throttling plugin decides about those.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      retryAfterBaseValue: unit,
      fallbackSecondaryRateRetryAfter: 60,
      ...spacing,
    },
  });
  // Every text sent to GitHub (comment bodies, status descriptions, check output) passes through the
  // secret registry: nothing Schemabot writes there can carry a password.
  client.hook.before('request', (request) => {
    const fields = request as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(fields)) {
      if (!NOT_CONTENT.has(key)) fields[key] = redactDeep(value);
    }
  });
  return client;
}

/** Request options that are not content: where the request goes and how. */
const NOT_CONTENT = new Set(['method', 'url', 'baseUrl', 'headers', 'request', 'mediaType', 'data']);
