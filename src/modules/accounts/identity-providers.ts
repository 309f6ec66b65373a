import { Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import { OutboundPolicy } from '../../common/outbound/outbound.service';
import { AppConfig, type SignInProvider } from '../../config/app-config';

/** Who the provider says signed in, and the tokens it gave (stored encrypted, never shown). */
export interface ProviderIdentity {
  subject: string;
  email: string | null;
  /** The provider vouches for the email (OIDC `email_verified: true`; GitHub's verified primary email). */
  emailVerified: boolean;
  name: string | null;
  login: string | null;
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
  scope: string | null;
}

/** What start keeps for the callback. */
export interface FlowSecrets {
  state: string;
  codeVerifier: string;
  nonce: string | null;
}

interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/** How long a discovered configuration is used before the issuer's metadata is read again. */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;

/**
 * The configured identity providers, spoken to through openid-client: OpenID Connect issuers by
 * discovery (cached per instance for an hour), GitHub as a plain OAuth 2 server with a hand-made configuration.
 * Every request goes through the outbound (SSRF) policy's fetch.
 */
@Injectable()
export class IdentityProviders {
  readonly all: SignInProvider[];
  private readonly configurations = new Map<string, { configuration: Promise<oidc.Configuration>; at: number }>();

  constructor(
    private readonly config: AppConfig,
    private readonly outbound: OutboundPolicy,
  ) {
    this.all = config.signInProviders;
  }

  find(id: string): SignInProvider | undefined {
    return this.all.find((provider) => provider.id === id);
  }

  /** Fresh state, PKCE verifier and (OpenID Connect) nonce for one sign-in. */
  newSecrets(provider: SignInProvider): FlowSecrets {
    return {
      state: oidc.randomState(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      nonce: provider.type === 'oidc' ? oidc.randomNonce() : null,
    };
  }

  /** Where the browser goes to sign in: the authorization endpoint with state, PKCE (S256) and nonce. */
  async authorizationUrl(provider: SignInProvider, redirectUri: string, secrets: FlowSecrets): Promise<string> {
    const configuration = await this.configuration(provider);
    const parameters: Record<string, string> = {
      redirect_uri: redirectUri,
      scope: provider.scopes.join(' '),
      state: secrets.state,
      code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
      code_challenge_method: 'S256',
    };
    if (secrets.nonce) parameters.nonce = secrets.nonce;
    return oidc.buildAuthorizationUrl(configuration, parameters).href;
  }

  /**
   * Exchanges the callback's code (with the verifier; the ID token's nonce checked) and reads who
   * signed in: OpenID Connect from the ID token and userinfo, GitHub from /user and /user/emails.
   */
  async identify(provider: SignInProvider, callbackUrl: URL, secrets: FlowSecrets): Promise<ProviderIdentity> {
    const configuration = await this.configuration(provider);
    const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
      pkceCodeVerifier: secrets.codeVerifier,
      expectedState: secrets.state,
      expectedNonce: secrets.nonce ?? undefined,
      idTokenExpected: provider.type === 'oidc',
    });
    const stored = {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? null,
      expiresAt: tokens.expires_in ? new Date(Date.now() + tokens.expires_in * 1000) : null,
      scope: tokens.scope ?? null,
    };
    if (provider.type === 'github') return { ...(await this.githubUser(tokens.access_token)), ...stored };
    const claims = tokens.claims();
    if (!claims) throw new Error('no ID token');
    const info = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
    const email = stringOrNull(info.email ?? claims.email);
    return {
      subject: claims.sub,
      email,
      emailVerified: email !== null && (info.email_verified ?? claims.email_verified) === true,
      name: stringOrNull(info.name ?? claims.name),
      login: stringOrNull(info.preferred_username ?? claims.preferred_username),
      ...stored,
    };
  }

  /** The provider's configuration, discovered again after DISCOVERY_TTL_MS (endpoints may move). */
  private configuration(provider: SignInProvider): Promise<oidc.Configuration> {
    const cached = this.configurations.get(provider.id);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.configuration;
    const entry = { configuration: this.discover(provider), at: Date.now() };
    // A failed discovery is tried again by the next sign-in.
    entry.configuration.catch(() => {
      if (this.configurations.get(provider.id) === entry) this.configurations.delete(provider.id);
    });
    this.configurations.set(provider.id, entry);
    return entry.configuration;
  }

  private async discover(provider: SignInProvider): Promise<oidc.Configuration> {
    const insecure = provider.issuer.startsWith('http:');
    const policedFetch: oidc.CustomFetch = (url, options) => this.outbound.fetch(url, options as RequestInit);
    if (provider.type === 'oidc') {
      return oidc.discovery(new URL(provider.issuer), provider.clientId, provider.clientSecret, undefined, {
        execute: insecure ? [oidc.allowInsecureRequests] : [],
        [oidc.customFetch]: policedFetch,
      });
    }
    const base = provider.issuer.replace(/\/$/, '');
    const configuration = new oidc.Configuration(
      {
        issuer: base,
        authorization_endpoint: `${base}/login/oauth/authorize`,
        token_endpoint: `${base}/login/oauth/access_token`,
      },
      provider.clientId,
      provider.clientSecret,
    );
    configuration[oidc.customFetch] = policedFetch;
    if (insecure) oidc.allowInsecureRequests(configuration);
    return configuration;
  }

  /** GitHub's user and its verified primary email (the public profile email may be anyone's). */
  private async githubUser(
    accessToken: string,
  ): Promise<Omit<ProviderIdentity, 'accessToken' | 'refreshToken' | 'expiresAt' | 'scope'>> {
    const api = this.config.AUTH_GITHUB_API_URL.replace(/\/$/, '');
    const get = async <T>(path: string): Promise<T> => {
      const response = await this.outbound.fetch(`${api}${path}`, {
        headers: {
          authorization: `Bearer ${accessToken}`,
          accept: 'application/vnd.github+json',
          'user-agent': 'orgbase',
        },
      });
      if (!response.ok) throw new Error(`GitHub ${path} answered ${response.status}`);
      return (await response.json()) as T;
    };
    const user = await get<{ id: number; login: string; name?: string | null }>('/user');
    const emails = await get<GithubEmail[]>('/user/emails');
    const primary = Array.isArray(emails) ? emails.find((entry) => entry.primary) : undefined;
    return {
      subject: String(user.id),
      email: primary?.email ?? null,
      emailVerified: primary?.verified === true,
      name: stringOrNull(user.name),
      login: stringOrNull(user.login),
    };
  }
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
