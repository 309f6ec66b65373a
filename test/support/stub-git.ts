import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stub GitHub (Enterprise, under /api/v3) and GitLab (under /api/v4) APIs on loopback, for tests
 * that sync repositories through the real SDKs (`@octokit/rest`, `@gitbeaker/rest`). Use `url` as
 * the provider's serverUrl for either type.
 *
 *   const stub = await startStubGit();
 *   stub.tokens.add('tok')                      // access tokens accepted; others get 401
 *   stub.github.push({ id: 1, name: 'a' })      // GitHub repositories of every token
 *   stub.gitlab.push({ id: 7, name: 'b' })      // GitLab projects
 *   stub.pageSize = 2                           // pages of this size (Link rel="next"; GitLab also x-next-page)
 *   stub.failWith = 500                         // every API call answers this status
 *   stub.refreshTokens.set('r1', 'tok-2')       // a refresh with r1 issues tok-2 (and accepts it), plus refresh token `r1-next`
 *   stub.requests                               // every request: method, path, authorization, body
 *
 * Routes: GitHub `GET /api/v3/user`, `GET /api/v3/user/repos`, `POST /login/oauth/access_token`;
 * GitLab `GET /api/v4/user`, `GET /api/v4/projects`, `POST /oauth/token`. The OAuth endpoints want
 * client id `stub-client` and secret `stub-secret`.
 */
export interface StubRepo {
  id: number;
  name: string;
  owner?: string;
  description?: string | null;
  private?: boolean;
  defaultBranch?: string;
}

export interface StubGitRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | null;
  body: string;
}

export interface StubGit {
  url: string;
  github: StubRepo[];
  gitlab: StubRepo[];
  tokens: Set<string>;
  refreshTokens: Map<string, string>;
  pageSize: number;
  failWith: number | null;
  requests: StubGitRequest[];
  reset(): void;
  close(): Promise<void>;
}

export const STUB_OAUTH_CLIENT = { id: 'stub-client', secret: 'stub-secret' };

export async function startStubGit(): Promise<StubGit> {
  const stub = {
    url: '',
    github: [] as StubRepo[],
    gitlab: [] as StubRepo[],
    tokens: new Set<string>(),
    refreshTokens: new Map<string, string>(),
    pageSize: 2,
    failWith: null as number | null,
    requests: [] as StubGitRequest[],
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

  /** One page of `items` and the headers pointing to the next. */
  const page = <T>(url: URL, items: T[], gitlab: boolean) => {
    const number = Math.max(1, Number(url.searchParams.get('page') ?? 1));
    const slice = items.slice((number - 1) * stub.pageSize, number * stub.pageSize);
    const headers: Record<string, string> = {};
    if (number * stub.pageSize < items.length) {
      const next = new URL(url);
      next.searchParams.set('page', String(number + 1));
      headers.link = `<${stub.url}${next.pathname}${next.search}>; rel="next"`;
      if (gitlab) headers['x-next-page'] = String(number + 1);
    }
    return { slice, headers };
  };

  const oauth = (res: ServerResponse, body: string, github: boolean) => {
    const form = new URLSearchParams(body);
    const issued = stub.refreshTokens.get(form.get('refresh_token') ?? '');
    const client =
      form.get('client_id') === STUB_OAUTH_CLIENT.id && form.get('client_secret') === STUB_OAUTH_CLIENT.secret;
    if (form.get('grant_type') !== 'refresh_token' || !issued || !client)
      // GitHub refuses with a 200 and an `error` field; GitLab with a 400.
      return json(res, github ? 200 : 400, { error: client ? 'bad_refresh_token' : 'invalid_client' });
    stub.refreshTokens.delete(form.get('refresh_token')!);
    stub.tokens.add(issued);
    json(res, 200, {
      access_token: issued,
      refresh_token: `${form.get('refresh_token')}-next`,
      expires_in: 7200,
      token_type: 'bearer',
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', stub.url);
    const authorization = req.headers.authorization ?? null;
    stub.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      authorization,
      body,
    });
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') return oauth(res, body, true);
    if (req.method === 'POST' && url.pathname === '/oauth/token') return oauth(res, body, false);
    const gitlab = url.pathname.startsWith('/api/v4/');
    if (stub.failWith) return json(res, stub.failWith, { message: `stub failure ${stub.failWith}` });
    const token = /^(?:token|bearer) (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token || !stub.tokens.has(token))
      return json(res, 401, { message: gitlab ? '401 Unauthorized' : 'Bad credentials' });
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /api/v3/user':
        return json(res, 200, { login: 'octo-stub', id: 1 });
      case 'GET /api/v4/user':
        return json(res, 200, { username: 'gl-stub', id: 1 });
      case 'GET /api/v3/user/repos': {
        const { slice, headers } = page(url, stub.github, false);
        const repos = slice.map((r) => ({
          id: r.id,
          name: r.name,
          full_name: `${r.owner ?? 'octo'}/${r.name}`,
          description: r.description ?? null,
          html_url: `${stub.url}/${r.owner ?? 'octo'}/${r.name}`,
          default_branch: r.defaultBranch ?? 'main',
          private: r.private ?? false,
        }));
        return json(res, 200, repos, headers);
      }
      case 'GET /api/v4/projects': {
        const { slice, headers } = page(url, stub.gitlab, true);
        const projects = slice.map((r) => ({
          id: r.id,
          name: r.name,
          path: r.name,
          path_with_namespace: `${r.owner ?? 'group'}/${r.name}`,
          description: r.description ?? null,
          web_url: `${stub.url}/${r.owner ?? 'group'}/${r.name}`,
          default_branch: r.defaultBranch ?? 'main',
          visibility: r.private ? 'private' : 'public',
        }));
        return json(res, 200, projects, headers);
      }
      default:
        return json(res, 404, { message: 'Not Found' });
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(stub, {
    reset() {
      stub.github = [];
      stub.gitlab = [];
      stub.tokens.clear();
      stub.refreshTokens.clear();
      stub.pageSize = 2;
      stub.failWith = null;
      stub.requests = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** Polls a git provider (GET `providerUrl`) until its sync ended (SYNCED or FAILED); returns its last body. */
export async function syncEnded(
  get: () => Promise<{ body: { syncStatus: string | null } }>,
  ms = 20_000,
): Promise<{
  syncStatus: string | null;
  syncError: string | null;
  repositoryCount: number;
  lastSyncedAt: string | null;
}> {
  const end = Date.now() + ms;
  for (;;) {
    const { body } = await get();
    if (body.syncStatus === 'SYNCED' || body.syncStatus === 'FAILED' || Date.now() > end)
      return body as Awaited<ReturnType<typeof syncEnded>>;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
