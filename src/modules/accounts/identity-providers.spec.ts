import type { OutboundPolicy } from '../../common/outbound/outbound.service';
import type { AppConfig, SignInProvider } from '../../config/app-config';
import { IdentityProviders } from './identity-providers';

const ISSUER = 'http://idp.test';
const HOUR_MS = 60 * 60 * 1000;

describe('IdentityProviders discovery cache', () => {
  const provider: SignInProvider = {
    id: 'corp',
    type: 'oidc',
    name: 'Corp',
    issuer: ISSUER,
    clientId: 'orgbase',
    clientSecret: 'secret',
    scopes: ['openid', 'email'],
  };
  let discoveries: string[];
  let answer: () => Response;
  let providers: IdentityProviders;
  const secrets = { state: 'state', codeVerifier: 'verifier'.repeat(6), nonce: 'nonce' };
  const authorizationUrl = () => providers.authorizationUrl(provider, 'http://api.test/callback', secrets);
  const metadata = (authorize: string) =>
    new Response(
      JSON.stringify({ issuer: ISSUER, authorization_endpoint: authorize, token_endpoint: `${ISSUER}/token` }),
      { headers: { 'content-type': 'application/json' } },
    );

  beforeEach(() => {
    discoveries = [];
    answer = () => metadata(`${ISSUER}/authorize`);
    // The issuer's metadata is answered here: what is counted is how often it is asked for.
    const outbound = {
      fetch: async (url: string | URL) => {
        discoveries.push(String(url));
        return answer();
      },
    } as unknown as OutboundPolicy;
    providers = new IdentityProviders({ signInProviders: [provider] } as unknown as AppConfig, outbound);
  });
  afterEach(() => jest.restoreAllMocks());

  it('discovers once, then again after an hour, when the endpoints may have moved', async () => {
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    expect(await authorizationUrl()).toMatch(/^http:\/\/idp\.test\/authorize\?/);
    await authorizationUrl();
    expect(discoveries).toEqual([`${ISSUER}/.well-known/openid-configuration`]);

    answer = () => metadata(`${ISSUER}/v2/authorize`);
    clock.mockReturnValue(now + HOUR_MS - 1);
    expect(await authorizationUrl()).toMatch(/^http:\/\/idp\.test\/authorize\?/);
    clock.mockReturnValue(now + HOUR_MS);
    expect(await authorizationUrl()).toMatch(/^http:\/\/idp\.test\/v2\/authorize\?/);
    expect(discoveries).toHaveLength(2);
  });

  it('asks again at the next sign-in after a failed discovery', async () => {
    answer = () => new Response('down', { status: 503 });
    await expect(authorizationUrl()).rejects.toThrow();
    answer = () => metadata(`${ISSUER}/authorize`);
    expect(await authorizationUrl()).toMatch(/^http:\/\/idp\.test\/authorize\?/);
    expect(discoveries).toHaveLength(2);
  });
});
