import { Injectable } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import type { PublicUser } from '../../database/prisma.service';

/** A linked provider account as this module uses it (tokens stay ciphertext, never leave the repository's callers). */
export interface AccountRow {
  id: string;
  userId: string;
  provider: string;
  providerAccountId: string;
  email: string | null;
  login: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a sign-in with a provider stores about the provider account. */
export interface AccountData {
  provider: string;
  providerAccountId: string;
  type: 'oidc' | 'oauth';
  email: string | null;
  login: string | null;
  encryptedAccessToken: string | null;
  encryptedRefreshToken: string | null;
  expiresAt: Date | null;
  scope: string | null;
}

export interface OAuthFlowRow {
  id: string;
  provider: string;
  encryptedCodeVerifier: string;
  nonce: string | null;
  linkUserId: string | null;
  returnTo: string;
  expiresAt: Date;
  callbackAt: Date | null;
  userId: string | null;
  codeExpiresAt: Date | null;
  exchangedAt: Date | null;
}

const ACCOUNT_FIELDS = {
  id: true,
  userId: true,
  provider: true,
  providerAccountId: true,
  email: true,
  login: true,
  createdAt: true,
  updatedAt: true,
} as const;

/**
 * Provider accounts (RLS: their user's only, app.user_id), sign-ins in progress (RLS: whoever
 * presents the flow's state or login code, app.token_hash) and the user lookups of a callback.
 * Every method says the scope it needs.
 */
@Injectable()
export class AccountsRepository {
  constructor(private readonly db: DbContext) {}

  /** Scope: tokenHash = data.stateHash. Deletes the flows an hour past their expiry on the way. */
  async createFlow(data: {
    id: string;
    provider: string;
    stateHash: string;
    encryptedCodeVerifier: string;
    nonce: string | null;
    linkUserId: string | null;
    returnTo: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.db.client.$queryRaw`SELECT app_prune_oauth_flows()`;
    await this.db.client.oAuthFlow.create({ data, select: { id: true } });
  }

  /** Scope: tokenHash = stateHash. */
  findFlowByState(stateHash: string): Promise<OAuthFlowRow | null> {
    return this.db.client.oAuthFlow.findUnique({ where: { stateHash } });
  }

  /** Spends the flow's state; false when spent already (a replayed callback) or expired. Scope: its state. */
  async spendState(id: string, now: Date): Promise<boolean> {
    const { count } = await this.db.client.oAuthFlow.updateMany({
      where: { id, callbackAt: null, expiresAt: { gt: now } },
      data: { callbackAt: now },
    });
    return count === 1;
  }

  /** Scope: the flow's state. */
  async issueLoginCode(
    id: string,
    data: { loginCodeHash: string; userId: string; codeExpiresAt: Date },
  ): Promise<void> {
    await this.db.client.oAuthFlow.update({ where: { id }, data, select: { id: true } });
  }

  /** Spends a live login code: its flow, or null when unknown, expired or spent. Scope: tokenHash = loginCodeHash. */
  async spendLoginCode(loginCodeHash: string, now: Date): Promise<OAuthFlowRow | null> {
    const { count } = await this.db.client.oAuthFlow.updateMany({
      where: { loginCodeHash, exchangedAt: null, codeExpiresAt: { gt: now } },
      data: { exchangedAt: now },
    });
    return count === 1 ? this.db.client.oAuthFlow.findUnique({ where: { loginCodeHash } }) : null;
  }

  /** The user a provider account belongs to, from any scope (app_account_owner: one id, never the row). */
  async accountOwner(provider: string, providerAccountId: string): Promise<string | null> {
    const [row] = await this.db.client.$queryRaw<{ owner: string | null }[]>`
      SELECT app_account_owner(${provider}, ${providerAccountId})::text AS owner`;
    return row?.owner ?? null;
  }

  /** Scope: email. */
  findUserByEmail(email: string): Promise<PublicUser | null> {
    return this.db.client.user.findUnique({ where: { email } });
  }

  /** Scope: userId. */
  findUserById(id: string): Promise<PublicUser | null> {
    return this.db.client.user.findUnique({ where: { id } });
  }

  /** A user without a password, their email verified by the provider. Scope: email = data.email. */
  createUser(data: { email: string; name: string; emailVerifiedAt: Date }): Promise<PublicUser> {
    return this.db.client.user.create({ data });
  }

  /** Scope: userId. */
  async hasPassword(): Promise<boolean> {
    const [row] = await this.db.client.$queryRaw<{ has: boolean }[]>`SELECT app_password_hash() IS NOT NULL AS has`;
    return row?.has ?? false;
  }

  /** Links the provider account to the user, or refreshes what is stored of it. Scope: userId. */
  upsertAccount(userId: string, data: AccountData): Promise<AccountRow> {
    const { provider, providerAccountId, ...rest } = data;
    return this.db.client.account.upsert({
      where: { provider_providerAccountId: { provider, providerAccountId } },
      create: { userId, ...data },
      update: rest,
      select: ACCOUNT_FIELDS,
    });
  }

  /** The user's accounts, oldest first. Scope: userId. */
  listAccounts(userId: string): Promise<AccountRow[]> {
    return this.db.client.account.findMany({
      where: { userId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: ACCOUNT_FIELDS,
    });
  }

  /** Scope: userId. */
  findAccount(userId: string, id: string): Promise<AccountRow | null> {
    return this.db.client.account.findFirst({ where: { id, userId }, select: ACCOUNT_FIELDS });
  }

  /** Scope: userId. */
  async deleteAccount(userId: string, id: string): Promise<boolean> {
    const { count } = await this.db.client.account.deleteMany({ where: { id, userId } });
    return count === 1;
  }
}
