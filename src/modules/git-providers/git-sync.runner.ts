import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DbContext, type DbScope } from '../../database/db-context';
import { JobsService, type JobContext } from '../../jobs/jobs.service';
import { GitCallError, GitClients, type RemoteRepository } from './git-clients';
import { GitProvidersRepository, type GitProviderRow } from './git-providers.repository';
import { GIT_SYNC_QUEUE, type GitSyncJob } from './git-providers.service';
import { GitTokens, type OpenTokens } from './git-tokens';

/** A sync's longest run; then pg-boss stops it and tries once more. */
const SYNC_TIMEOUT_SECONDS = 900;

/**
 * Runs repository syncs, one job per request: lists the provider's repositories and makes the
 * stored ones match (see GitProvidersRepository.finishSync). A token past its `expiresAt`, or one
 * the provider rejects (401), is refreshed first when a refresh token is stored; the new tokens
 * are stored encrypted. The outcome is the provider's syncStatus: SYNCED, or FAILED with the reason.
 */
@Injectable()
export class GitSyncRunner implements OnModuleInit {
  private readonly logger = new Logger('GitSync');

  constructor(
    private readonly repository: GitProvidersRepository,
    private readonly jobs: JobsService,
    private readonly db: DbContext,
    private readonly clients: GitClients,
    private readonly tokens: GitTokens,
  ) {}

  onModuleInit(): void {
    this.jobs.register<GitSyncJob>(GIT_SYNC_QUEUE, (job, context) => this.execute(job, context), {
      retryLimit: 1,
      expireInSeconds: SYNC_TIMEOUT_SECONDS,
    });
  }

  async execute(job: GitSyncJob, context: JobContext): Promise<void> {
    const { orgId, providerId } = job;
    const scope: DbScope = { orgId, userId: job.userId ?? undefined };
    const provider = await this.db.run(scope, () => this.repository.startSync(orgId, providerId));
    if (!provider) return; // deleted meanwhile
    try {
      const repositories = await this.list(scope, provider, context.signal);
      await this.db.run(scope, () => this.repository.finishSync(orgId, providerId, repositories));
      this.logger.log(`Git provider ${providerId}: ${repositories.length} repositories synced`);
    } catch (error) {
      // Interrupted (shutdown, expiry): pg-boss tries the job again.
      if (context.signal.aborted && context.retryCount < context.retryLimit) throw error;
      const reason = error instanceof GitCallError ? error.message : `The sync failed: ${(error as Error).message}`;
      this.logger.warn(`Git provider ${providerId}: sync failed: ${reason}`);
      await this.db.run(scope, () => this.repository.failSync(orgId, providerId, reason));
    }
  }

  /** The provider's repositories, refreshing the token first when it expired, or once after a 401. */
  private async list(scope: DbScope, provider: GitProviderRow, signal: AbortSignal): Promise<RemoteRepository[]> {
    let tokens = this.tokens.open(provider);
    let refreshed = false;
    const expired = provider.tokenExpiresAt !== null && provider.tokenExpiresAt <= new Date();
    if (expired && tokens.refreshToken) {
      tokens = await this.refresh(scope, provider, tokens);
      refreshed = true;
    }
    const target = () => ({
      type: provider.providerType,
      serverUrl: provider.serverUrl,
      accessToken: tokens.accessToken,
    });
    try {
      return await this.clients.listRepositories(target(), signal);
    } catch (error) {
      if (!(error instanceof GitCallError && error.status === 401 && tokens.refreshToken && !refreshed)) throw error;
      tokens = await this.refresh(scope, provider, tokens);
      return this.clients.listRepositories(target(), signal);
    }
  }

  /** New tokens from the provider's OAuth endpoint, stored encrypted (a provider that sends no new refresh token keeps the old). */
  private async refresh(scope: DbScope, provider: GitProviderRow, tokens: OpenTokens): Promise<OpenTokens> {
    const fresh = await this.clients.refresh(provider.providerType, provider.serverUrl, tokens.refreshToken!);
    const refreshToken = fresh.refreshToken ?? tokens.refreshToken;
    await this.db.run(scope, () =>
      this.repository.saveTokens(provider.orgId, provider.id, {
        encryptedAccessToken: this.tokens.sealAccess(provider.orgId, fresh.accessToken),
        encryptedRefreshToken: this.tokens.sealRefresh(provider.orgId, refreshToken),
        tokenExpiresAt: fresh.expiresAt,
      }),
    );
    this.logger.log(`Git provider ${provider.id}: token refreshed`);
    return { accessToken: fresh.accessToken, refreshToken };
  }
}
