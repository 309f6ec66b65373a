import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stub GitHub for sign-in on loopback: the authorize page signs in `signInAs` at once and
 * redirects back with a code; the token endpoint checks the client and the PKCE verifier (S256);
 * `/user` and `/user/emails` answer for the access token. Set AUTH_GITHUB_URL and
 * AUTH_GITHUB_API_URL to `url`.
 */
export interface StubGithubUser {
  id: number;
  login: string;
  name: string;
  emails: { email: string; primary: boolean; verified: boolean }[];
}

export interface StubGithubOAuth {
  url: string;
  clientId: string;
  clientSecret: string;
  users: Map<number, StubGithubUser>;
  signInAs: number | null;
  /** Access tokens handed out: none may appear in the app's answers, logs or audit. */
  issuedTokens: string[];
  close(): Promise<void>;
}

export async function startStubGithubOAuth(): Promise<StubGithubOAuth> {
  const codes = new Map<string, { userId: number; challenge: string; redirectUri: string }>();
  const tokens = new Map<string, number>();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stub: StubGithubOAuth = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clientId: 'gh-client',
    clientSecret: 'gh-client-secret-0123456789',
    users: new Map(),
    signInAs: null,
    issuedTokens: [],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', stub.url);
    if (url.pathname === '/login/oauth/authorize') {
      const code = randomBytes(10).toString('hex');
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      if (url.searchParams.get('code_challenge_method') !== 'S256') return json(res, 400, { error: 'pkce' });
      codes.set(code, {
        userId: stub.signInAs ?? 0,
        challenge: url.searchParams.get('code_challenge') ?? '',
        redirectUri,
      });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const [id, secret] = basic.includes(':')
        ? basic.split(':').map(decodeURIComponent)
        : [form.get('client_id'), form.get('client_secret')];
      if (id !== stub.clientId || secret !== stub.clientSecret) return json(res, 401, { error: 'invalid_client' });
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!grant || grant.challenge !== challenge || grant.redirectUri !== form.get('redirect_uri'))
        return json(res, 400, { error: 'invalid_grant' });
      const token = `gho_${randomBytes(12).toString('hex')}`;
      tokens.set(token, grant.userId);
      stub.issuedTokens.push(token);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const user = stub.users.get(tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, '')) ?? -1);
    if (!user) return json(res, 401, { message: 'Bad credentials' });
    if (url.pathname === '/user') return json(res, 200, { id: user.id, login: user.login, name: user.name });
    if (url.pathname === '/user/emails') return json(res, 200, user.emails);
    return json(res, 404, { message: 'Not Found' });
  };
  server.on('request', (req, res) => {
    handle(req, res).catch(() => json(res, 500, { message: 'stub failure' }));
  });
  return stub;
}
