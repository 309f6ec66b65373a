import { Injectable } from '@nestjs/common';
import { Gitlab } from '@gitbeaker/rest';
import { Octokit } from '@octokit/rest';
import { OutboundPolicy } from '../../common/outbound/outbound.service';
import { OutboundRefusedError } from '../../common/outbound/outbound-policy';
import { AppConfig } from '../../config/app-config';
import { gitlabRequester } from './gitlab-requester';
import { GitProviderType } from '../../generated/prisma/enums';

/** Where a provider is and the token to call it with (decrypted, held only for the call). */
export interface GitTarget {
  type: GitProviderType;
  serverUrl: string | null;
  accessToken: string;
}

/** A repository as the provider lists it. */
export interface RemoteRepository {
  externalId: string;
  name: string;
  fullName: string;
  description: string | null;
  url: string | null;
  defaultBranch: string | null;
  isPrivate: boolean;
}

export interface RefreshedTokens {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
}

/** A failed call to a provider; `status` is the provider's HTTP status when it answered. The message holds no secret. */
export class GitCallError extends Error {
  override name = 'GitCallError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** How long one provider call may take. */
const CALL_TIMEOUT_MS = 30_000;

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** GitHub's REST API: api.github.com, or `<serverUrl>/api/v3` for GitHub Enterprise Server. */
export const githubApiUrl = (serverUrl: string | null) =>
  serverUrl ? `${trimSlash(serverUrl)}/api/v3` : 'https://api.github.com';

/** GitHub's OAuth endpoints live on the web host (github.com or the Enterprise server). */
const githubWebUrl = (serverUrl: string | null) => (serverUrl ? trimSlash(serverUrl) : 'https://github.com');

/** GitLab's host: gitlab.com or the self-hosted server (the SDK adds /api/v4). */
export const gitlabHost = (serverUrl: string | null) => (serverUrl ? trimSlash(serverUrl) : 'https://gitlab.com');

/**
 * The calls the git providers module makes to GitHub (`@octokit/rest`) and GitLab
 * (`@gitbeaker/rest`). Both speak through the outbound policy's fetch (Gitbeaker through a
 * requester of ours, gitlab-requester.ts), as token refreshes do: every connection is checked at
 * connect time, so a name cannot resolve to a refused address after a check (DNS rebinding).
 */
@Injectable()
export class GitClients {
  private readonly gitlabRequester: ReturnType<typeof gitlabRequester>;

  constructor(
    private readonly outbound: OutboundPolicy,
    private readonly config: AppConfig,
  ) {
    this.gitlabRequester = gitlabRequester(outbound.fetch);
  }

  /** Every repository the token's user can access (GitHub: their own and member ones; GitLab: membership). */
  async listRepositories(target: GitTarget, signal?: AbortSignal): Promise<RemoteRepository[]> {
    return this.call(async () => {
      if (target.type === GitProviderType.GITHUB) {
        const octokit = this.octokit(target, signal);
        const repos = await octokit.paginate(octokit.rest.repos.listForAuthenticatedUser, { per_page: 100 });
        return repos.map((repo) => ({
          externalId: String(repo.id),
          name: repo.name,
          fullName: repo.full_name,
          description: repo.description ?? null,
          url: repo.html_url ?? null,
          defaultBranch: repo.default_branch ?? null,
          isPrivate: repo.private,
        }));
      }
      const gitlab = this.gitlab(target);
      const projects = await gitlab.Projects.all({ membership: true, perPage: 100 });
      return projects.map((project) => ({
        externalId: String(project.id),
        name: String(project.path ?? project.name),
        fullName: String(project.path_with_namespace),
        description: (project.description as string | null | undefined) ?? null,
        url: (project.web_url as string | undefined) ?? null,
        defaultBranch: (project.default_branch as string | null | undefined) ?? null,
        isPrivate: project.visibility !== 'public',
      }));
    });
  }

  /** The token's user (a cheap authenticated call): GitHub and GitLab `GET /user`. */
  async currentUser(target: GitTarget, signal?: AbortSignal): Promise<{ login: string }> {
    return this.call(async () => {
      if (target.type === GitProviderType.GITHUB) {
        const { data } = await this.octokit(target, signal).rest.users.getAuthenticated();
        return { login: data.login };
      }
      const user = await this.gitlab(target).Users.showCurrentUser();
      return { login: String(user.username) };
    });
  }

  /**
   * Trades a refresh token for new tokens with the OAuth app of config (GitHub:
   * `POST <web>/login/oauth/access_token`; GitLab: `POST <host>/oauth/token`).
   */
  async refresh(type: GitProviderType, serverUrl: string | null, refreshToken: string): Promise<RefreshedTokens> {
    const github = type === GitProviderType.GITHUB;
    const clientId = github ? this.config.GITHUB_OAUTH_CLIENT_ID : this.config.GITLAB_OAUTH_CLIENT_ID;
    const clientSecret = github ? this.config.GITHUB_OAUTH_CLIENT_SECRET : this.config.GITLAB_OAUTH_CLIENT_SECRET;
    const prefix = github ? 'GITHUB' : 'GITLAB';
    if (!clientId || !clientSecret)
      throw new GitCallError(
        `The token needs a refresh, but ${prefix}_OAUTH_CLIENT_ID and ${prefix}_OAUTH_CLIENT_SECRET are not configured`,
      );
    const url = github ? `${githubWebUrl(serverUrl)}/login/oauth/access_token` : `${gitlabHost(serverUrl)}/oauth/token`;
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
      client_secret: clientSecret,
    });
    const response = await this.call(() =>
      this.outbound.fetch(url, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      }),
    );
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    // GitHub reports a refused refresh as a 200 with an `error` field.
    if (!response.ok || typeof answer.access_token !== 'string') {
      const reason = typeof answer.error === 'string' ? `: ${answer.error}` : '';
      throw new GitCallError(`The token refresh was refused (${response.status}${reason})`, response.status);
    }
    const expiresIn = Number(answer.expires_in);
    return {
      accessToken: answer.access_token,
      refreshToken: typeof answer.refresh_token === 'string' ? answer.refresh_token : null,
      expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null,
    };
  }

  private octokit(target: GitTarget, signal?: AbortSignal): Octokit {
    const timeout = AbortSignal.timeout(CALL_TIMEOUT_MS);
    return new Octokit({
      auth: target.accessToken,
      baseUrl: githubApiUrl(target.serverUrl),
      userAgent: 'orgbase',
      request: { fetch: this.outbound.fetch, signal: signal ? AbortSignal.any([signal, timeout]) : timeout },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  }

  private gitlab(target: GitTarget) {
    // A bearer token works for OAuth and personal access tokens alike.
    return new Gitlab({
      host: gitlabHost(target.serverUrl),
      oauthToken: target.accessToken,
      queryTimeout: CALL_TIMEOUT_MS,
      requesterFn: this.gitlabRequester,
    });
  }

  /** Runs a provider call; its failures become GitCallErrors with words a client may see. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toGitCallError(error);
    }
  }
}

/** The provider's answer (401: the token was rejected; others: the status) or why it could not be reached. */
function toGitCallError(error: unknown): GitCallError {
  if (error instanceof GitCallError) return error;
  const refused = refusalIn(error);
  if (refused) return new GitCallError(refused.message);
  const status = httpStatusOf(error);
  if (status === 401) return new GitCallError('The provider answered 401: token rejected', 401);
  if (status !== undefined) return new GitCallError(`The provider answered ${status}`, status);
  const cause = (error as { cause?: unknown }).cause;
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError' || name === 'GitbeakerTimeoutError')
    return new GitCallError(`The provider did not answer within ${CALL_TIMEOUT_MS / 1000} s`);
  const detail = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  return new GitCallError(`The provider could not be reached: ${detail}`);
}

/** The HTTP status of a provider's answer (octokit: `status` with a `response`; gitbeaker: `cause.response`). */
function httpStatusOf(error: unknown): number | undefined {
  const octokit = error as { status?: unknown; response?: unknown };
  if (typeof octokit.status === 'number' && octokit.response) return octokit.status;
  const gitbeaker = (error as { cause?: { response?: { status?: unknown } } }).cause?.response;
  return typeof gitbeaker?.status === 'number' ? gitbeaker.status : undefined;
}

/** The outbound policy's refusal anywhere in the error's cause chain (the SDKs wrap fetch's TypeError). */
function refusalIn(error: unknown): OutboundRefusedError | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof OutboundRefusedError) return e;
  return undefined;
}
