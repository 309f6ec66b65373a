import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { randomToken, sha256 } from '../../common/crypto/tokens';
import { AppException } from '../../common/errors/app-exception';
import { KeyRing } from '../../common/secrets/key-ring.provider';
import { secretAad } from '../../common/secrets/secret-columns';
import { RequestContext } from '../../common/tenancy/request-context';
import { AppConfig, type SignInProvider } from '../../config/app-config';
import { DbContext } from '../../database/db-context';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import type { AuthTokensResponseDto } from '../auth/dto/auth.dto';
import { AccountsRepository, type OAuthFlowRow } from './accounts.repository';
import { IdentityProviders, type ProviderIdentity } from './identity-providers';
import type { OAuthProviderDto } from './dto/accounts.dto';

/** How long a sign-in at the provider may take, and how long the frontend has to exchange its login code. */
const FLOW_TTL_MS = 10 * 60 * 1000;
const LOGIN_CODE_TTL_MS = 60 * 1000;

/** Why a sign-in failed, as `?error=` on the frontend's returnTo (README lists them). */
export type OAuthErrorCode =
  | 'oauth_denied'
  | 'oauth_state_invalid'
  | 'oauth_exchange_failed'
  | 'email_unverified'
  | 'email_taken_unverified'
  | 'account_linked_elsewhere'
  | 'account_unavailable';

class OAuthFailure extends Error {
  constructor(readonly code: OAuthErrorCode) {
    super(code);
  }
}

/**
 * Sign-in with an identity provider: start (state, PKCE, nonce kept server-side in a single-use
 * flow row), callback (the code exchanged, the user found, linked or created), exchange (the
 * login code for the usual session). Linking rule: an existing user is linked by email only when
 * both the provider and Orgbase have verified that email; see README "Sign in with an identity provider".
 */
@Injectable()
export class OAuthService {
  constructor(
    private readonly providers: IdentityProviders,
    private readonly repository: AccountsRepository,
    private readonly db: DbContext,
    private readonly keyRing: KeyRing,
    private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

  list(): OAuthProviderDto[] {
    return this.providers.all.map(({ id, name, type }) => ({ id, name, type }));
  }

  /** start in link mode for the signed-in caller: the provider account will join them. */
  startLink(providerId: string, returnTo: string, requestOrigin: string): Promise<string> {
    return this.start(providerId, returnTo, requestOrigin, this.context.requireUser().userId);
  }

  /**
   * The provider's authorization URL for a new flow. `linkUserId` (the signed-in caller, from the
   * link route) links the provider account to them instead of signing in.
   */
  async start(providerId: string, returnTo: string, requestOrigin: string, linkUserId?: string): Promise<string> {
    const provider = this.provider(providerId);
    this.assertReturnTo(returnTo);
    const secrets = this.providers.newSecrets(provider);
    const url = await this.providers
      .authorizationUrl(provider, this.redirectUri(provider, requestOrigin), secrets)
      .catch(() => {
        throw new AppException('UNAVAILABLE', `The identity provider ${provider.id} cannot be reached`);
      });
    const id = randomUUID();
    const stateHash = sha256(secrets.state);
    await this.db.run({ tokenHash: stateHash }, () =>
      this.repository.createFlow({
        id,
        provider: provider.id,
        stateHash,
        encryptedCodeVerifier: this.keyRing.encrypt(
          secrets.codeVerifier,
          secretAad('oauth_flows.encryptedCodeVerifier', id),
        ),
        nonce: secrets.nonce,
        linkUserId: linkUserId ?? null,
        returnTo,
        expiresAt: new Date(Date.now() + FLOW_TTL_MS),
      }),
    );
    return url;
  }

  /**
   * Finishes the provider's redirect: where to send the browser, the frontend's returnTo with
   * `code` (sign-in), `linked` (link mode) or `error`. 400 when the state names no flow (there is
   * no returnTo to go back to).
   */
  async callback(providerId: string, query: Record<string, string>, requestOrigin: string): Promise<string> {
    const provider = this.provider(providerId);
    const state = query.state;
    if (!state) throw invalidState();
    const stateHash = sha256(state);
    const now = new Date();
    // Spent in its own transaction: a replayed callback finds it spent even if this one fails later.
    const flow = await this.db.run({ tokenHash: stateHash }, async () => {
      const found = await this.repository.findFlowByState(stateHash);
      if (!found || found.provider !== provider.id) return null;
      return { found, fresh: await this.repository.spendState(found.id, now) };
    });
    if (!flow) throw invalidState();
    const back = (params: Record<string, string>) => withParams(flow.found.returnTo, params);
    try {
      if (!flow.fresh) throw new OAuthFailure('oauth_state_invalid');
      if (query.error || !query.code) throw new OAuthFailure('oauth_denied');
      const identity = await this.identify(provider, flow.found, state, query, requestOrigin);
      if (flow.found.linkUserId) {
        await this.link(provider, identity, flow.found.linkUserId);
        return back({ linked: provider.id });
      }
      const userId = await this.signInUser(provider, identity);
      const code = randomToken();
      await this.db.run({ tokenHash: stateHash }, () =>
        this.repository.issueLoginCode(flow.found.id, {
          loginCodeHash: sha256(code),
          userId,
          codeExpiresAt: new Date(Date.now() + LOGIN_CODE_TTL_MS),
        }),
      );
      return back({ code });
    } catch (error) {
      if (error instanceof OAuthFailure) return back({ error: error.code });
      throw error;
    }
  }

  /** Trades a callback's login code (once, within a minute) for the usual tokens. */
  async exchange(code: string): Promise<AuthTokensResponseDto> {
    const codeHash = sha256(code);
    const flow = await this.db.run({ tokenHash: codeHash }, () => this.repository.spendLoginCode(codeHash, new Date()));
    if (!flow?.userId) {
      throw new AppException('VALIDATION_FAILED', 'The login code is invalid, expired or already used', [
        { field: 'code', messages: ['code is invalid, expired or already used'] },
      ]);
    }
    return this.auth.signInWith(flow.userId, flow.provider);
  }

  private provider(id: string): SignInProvider {
    const provider = this.providers.find(id);
    if (!provider) throw AppException.notFound('Identity provider');
    return provider;
  }

  private async identify(
    provider: SignInProvider,
    flow: OAuthFlowRow,
    state: string,
    query: Record<string, string>,
    requestOrigin: string,
  ): Promise<ProviderIdentity> {
    const callbackUrl = new URL(this.redirectUri(provider, requestOrigin));
    for (const [key, value] of Object.entries(query)) callbackUrl.searchParams.set(key, value);
    const codeVerifier = this.keyRing.decrypt(
      flow.encryptedCodeVerifier,
      secretAad('oauth_flows.encryptedCodeVerifier', flow.id),
    );
    try {
      return await this.providers.identify(provider, callbackUrl, { state, codeVerifier, nonce: flow.nonce });
    } catch {
      // The reason (a refused code or verifier, a bad ID token, an unreachable provider) may carry
      // provider detail; the frontend gets the code, the log nothing secret.
      throw new OAuthFailure('oauth_exchange_failed');
    }
  }

  /**
   * The user this provider account signs in: its owner when linked; else, with an email the
   * provider verified, the user with that email (only if Orgbase verified it too) or a new one.
   */
  private async signInUser(provider: SignInProvider, identity: ProviderIdentity): Promise<string> {
    const owner = await this.db.run({}, () => this.repository.accountOwner(provider.id, identity.subject));
    if (owner) {
      await this.storeAccount(owner, provider, identity, false);
      return owner;
    }
    if (!identity.email || !identity.emailVerified) throw new OAuthFailure('email_unverified');
    const email = identity.email.trim().toLowerCase();
    // RLS: the email scope sees (and may create) only the user with that email.
    const userId = await this.db.run({ email }, async () => {
      const existing = await this.repository.findUserByEmail(email);
      if (existing && (existing.deletedAt || existing.suspendedAt)) throw new OAuthFailure('account_unavailable');
      // Someone could have registered the address without owning it: linking would hand them the provider sign-in.
      if (existing && !existing.emailVerifiedAt) throw new OAuthFailure('email_taken_unverified');
      if (existing) return existing.id;
      const created = await this.repository.createUser({
        email,
        name: identity.name ?? identity.login ?? email.split('@')[0]!,
        emailVerifiedAt: new Date(),
      });
      return created.id;
    });
    await this.storeAccount(userId, provider, identity, true);
    return userId;
  }

  /** Link mode: the provider account joins the signed-in user, unless someone else has it. */
  private async link(provider: SignInProvider, identity: ProviderIdentity, userId: string): Promise<void> {
    const owner = await this.db.run({}, () => this.repository.accountOwner(provider.id, identity.subject));
    if (owner && owner !== userId) throw new OAuthFailure('account_linked_elsewhere');
    await this.storeAccount(userId, provider, identity, !owner);
  }

  /** Stores the account (tokens as key-ring ciphertext bound to the user); a new link is audited. */
  private async storeAccount(
    userId: string,
    provider: SignInProvider,
    identity: ProviderIdentity,
    linked: boolean,
  ): Promise<void> {
    const encrypt = (
      value: string | null,
      column: 'accounts.encryptedAccessToken' | 'accounts.encryptedRefreshToken',
    ) => (value === null ? null : this.keyRing.encrypt(value, secretAad(column, userId)));
    await this.db.run({ userId }, async () => {
      const account = await this.repository.upsertAccount(userId, {
        provider: provider.id,
        providerAccountId: identity.subject,
        type: provider.type === 'oidc' ? 'oidc' : 'oauth',
        email: identity.email,
        login: identity.login,
        encryptedAccessToken: encrypt(identity.accessToken, 'accounts.encryptedAccessToken'),
        encryptedRefreshToken: encrypt(identity.refreshToken, 'accounts.encryptedRefreshToken'),
        expiresAt: identity.expiresAt,
        scope: identity.scope,
      });
      if (!linked) return;
      await this.audit.recordForUser(userId, {
        actor: { type: 'USER', id: userId },
        action: 'account.linked',
        resourceType: 'account',
        resourceId: account.id,
        after: { provider: account.provider, providerAccountId: account.providerAccountId },
      });
    });
  }

  /** The callback URL registered at the provider: PUBLIC_API_URL's, else this request's origin. */
  private redirectUri(provider: SignInProvider, requestOrigin: string): string {
    const base = (this.config.PUBLIC_API_URL ?? requestOrigin).replace(/\/$/, '');
    return `${base}/v1/auth/oauth/${provider.id}/callback`;
  }

  /** returnTo must be on the frontend (APP_URL's origin or one of CORS_ORIGINS): no open redirect. */
  private assertReturnTo(returnTo: string): void {
    const cors = this.config.corsOrigins;
    const allowed = [new URL(this.config.APP_URL).origin, ...(Array.isArray(cors) ? cors : [])];
    let origin: string | null = null;
    try {
      const url = new URL(returnTo);
      if (url.protocol === 'http:' || url.protocol === 'https:') origin = url.origin;
    } catch {
      origin = null;
    }
    if (!origin || !allowed.includes(origin)) {
      throw new AppException('VALIDATION_FAILED', 'returnTo must be a URL of the frontend', [
        { field: 'returnTo', messages: ['returnTo must be on APP_URL or one of CORS_ORIGINS'] },
      ]);
    }
  }
}

function invalidState(): AppException {
  return new AppException('VALIDATION_FAILED', 'The sign-in state is unknown: start again', [
    { field: 'state', messages: ['state names no sign-in in progress'] },
  ]);
}

function withParams(returnTo: string, params: Record<string, string>): string {
  const url = new URL(returnTo);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.href;
}
