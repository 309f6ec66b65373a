import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/**
 * A real OpenID provider (panva's `oidc-provider`) on loopback, for sign-in tests. Its login and
 * consent pages sign in `provider.signInAs` at once (the account the test chose), so a test
 * "browser" (`browse`) only follows redirects with its cookies.
 *
 *   const op = await startOidcProvider('http://localhost:3999/v1/auth/oauth/test/callback');
 *   op.accounts.set('sub-1', { email: 'a@x.test', email_verified: true, name: 'A' });
 *   op.signInAs = 'sub-1';
 *   const callback = await browse(startLocation, op.issuer)   // the URL the provider sent back to
 */
export interface TestAccountClaims {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccountClaims>;
  signInAs: string | null;
  close(): Promise<void>;
}

export async function startOidcProvider(redirectUri: string): Promise<TestOidcProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state: TestOidcProvider = {
    issuer,
    clientId: 'orgbase-test',
    clientSecret: 'oidc-client-secret-0123456789abcdef',
    accounts: new Map(),
    signInAs: null,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: state.clientId,
        client_secret: state.clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    findAccount: (_ctx: unknown, sub: string) => {
      const claims = state.accounts.get(sub);
      return claims ? { accountId: sub, claims: () => ({ sub, ...claims }) } : undefined;
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['oidc-test-cookie-key'] },
    // Offline access is not asked for: refresh tokens would need the offline_access scope and consent.
    issueRefreshToken: () => false,
  });
  const callback = provider.callback();

  /** The login and consent prompts, answered at once for signInAs. */
  const interact = async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(req, res, { login: { accountId: state.signInAs ?? 'nobody' } });
      return;
    }
    const accountId = details.session!.accountId;
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interact(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    void callback(req, res);
  });
  return state;
}

/**
 * A browser: follows redirects from `url` (with its own cookies) while they stay on `host`
 * (the provider), and returns the first URL off it (the app's callback).
 */
export async function browse(url: string, host: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let next = new URL(url);
  for (let hop = 0; hop < 20; hop += 1) {
    if (next.origin !== new URL(host).origin) return next;
    const response = await fetch(next, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (!location)
      throw new Error(`${next.href} answered ${response.status} without a redirect: ${await response.text()}`);
    next = new URL(location, next);
  }
  throw new Error('too many redirects');
}
