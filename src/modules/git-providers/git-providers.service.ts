import { Injectable } from '@nestjs/common';
import { orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import { OutboundPolicy } from '../../common/outbound/outbound.service';
import { paginate, type Page } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import { DbContext } from '../../database/db-context';
import { JobsService } from '../../jobs/jobs.service';
import {
  toGitProviderResponse,
  type CreateGitProviderDto,
  type GitProviderResponseDto,
  type GitProviderTestResponseDto,
  type ListGitProvidersQueryDto,
  type UpdateGitProviderDto,
} from './dto/git-provider.dto';
import { GitCallError, GitClients } from './git-clients';
import {
  GIT_PROVIDER_ORDER,
  GitProvidersRepository,
  type GitProviderChanges,
  type GitProviderRow,
} from './git-providers.repository';
import { GitTokens } from './git-tokens';

/** The queue of repository syncs; a job names the provider, never a token. */
export const GIT_SYNC_QUEUE = 'git-provider-sync';

export interface GitSyncJob {
  orgId: string;
  providerId: string;
  /** The member who asked (the job's database scope). */
  userId: string | null;
}

/**
 * Git providers (seed 001): a GitHub or GitLab account (github.com, gitlab.com, or the server at
 * `serverUrl`) reached with its token. Tokens are encrypted with the key ring and never leave the
 * server except towards the provider. VIEWER+ read; EDITOR+ write, test and sync (the routes say so).
 */
@Injectable()
export class GitProvidersService {
  constructor(
    private readonly repository: GitProvidersRepository,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
    private readonly outbound: OutboundPolicy,
    private readonly tokens: GitTokens,
    private readonly clients: GitClients,
    private readonly jobs: JobsService,
    private readonly db: DbContext,
  ) {}

  async create(orgId: string, dto: CreateGitProviderDto): Promise<GitProviderResponseDto> {
    if (dto.serverUrl) await this.outbound.assertAllowed(dto.serverUrl, 'serverUrl');
    await this.features.assertCanAdd(orgId, 'gitProviders');
    const row = await this.repository.create(
      orgId,
      {
        name: dto.name,
        displayName: dto.displayName ?? null,
        providerType: dto.type,
        serverUrl: dto.serverUrl ?? null,
        encryptedAccessToken: this.tokens.sealAccess(orgId, dto.accessToken),
        encryptedRefreshToken: this.tokens.sealRefresh(orgId, dto.refreshToken ?? null),
        tokenExpiresAt: dto.expiresAt ? new Date(dto.expiresAt) : null,
      },
      this.context.userId ?? null,
    );
    return toGitProviderResponse(row);
  }

  list(orgId: string, query: ListGitProvidersQueryDto): Promise<Page<GitProviderResponseDto>> {
    return paginate(
      query,
      GIT_PROVIDER_ORDER,
      (page) => this.repository.list(orgId, { ...page, type: query.type }),
      toGitProviderResponse,
    );
  }

  async get(orgId: string, id: string): Promise<GitProviderResponseDto> {
    return toGitProviderResponse(await this.find(orgId, id));
  }

  async update(orgId: string, id: string, dto: UpdateGitProviderDto): Promise<GitProviderResponseDto> {
    await this.find(orgId, id);
    if (dto.serverUrl) await this.outbound.assertAllowed(dto.serverUrl, 'serverUrl');
    const { accessToken, refreshToken, expiresAt, ...rest } = dto;
    const changes: GitProviderChanges = {
      ...rest,
      ...(accessToken === undefined ? {} : { encryptedAccessToken: this.tokens.sealAccess(orgId, accessToken) }),
      ...(refreshToken === undefined ? {} : { encryptedRefreshToken: this.tokens.sealRefresh(orgId, refreshToken) }),
      ...(expiresAt === undefined ? {} : { tokenExpiresAt: expiresAt === null ? null : new Date(expiresAt) }),
    };
    return toGitProviderResponse(orNotFound(await this.repository.update(orgId, id, changes), 'Git provider'));
  }

  /** Deletes the provider and its repositories. */
  async remove(orgId: string, id: string): Promise<void> {
    orNotFound(await this.repository.delete(orgId, id), 'Git provider');
  }

  /**
   * A cheap authenticated call (`GET /user`): ok with the latency and the token's login, or not
   * ok with the reason. A failure of the provider is an answer, not an error of this request.
   * The token is not refreshed here: a sync does that.
   */
  async test(orgId: string, id: string): Promise<GitProviderTestResponseDto> {
    // The route has no request transaction: no pooled connection waits on the provider meanwhile.
    const row = await this.db.run(this.context.dbScope, () => this.find(orgId, id));
    const started = performance.now();
    let result: Omit<GitProviderTestResponseDto, 'latencyMs'>;
    try {
      const { accessToken } = this.tokens.open(row);
      const user = await this.clients.currentUser({ type: row.providerType, serverUrl: row.serverUrl, accessToken });
      result = { ok: true, login: user.login };
    } catch (error) {
      if (!(error instanceof GitCallError)) throw error;
      result = { ok: false, error: error.message };
    }
    const { ok, ...details } = result;
    return { ok, latencyMs: Math.round(performance.now() - started), ...details };
  }

  /**
   * Queues a sync of the provider's repositories (202): PENDING now, SYNCING while the job runs,
   * then SYNCED or FAILED. Accepted in any state, so a sync a crash left SYNCING is asked again.
   */
  async sync(orgId: string, id: string): Promise<GitProviderResponseDto> {
    const row = orNotFound(await this.repository.requestSync(orgId, id), 'Git provider');
    const job: GitSyncJob = { orgId, providerId: id, userId: this.context.userId ?? null };
    await this.jobs.send(GIT_SYNC_QUEUE, job);
    return toGitProviderResponse(row);
  }

  private async find(orgId: string, id: string): Promise<GitProviderRow> {
    return orNotFound(await this.repository.findById(orgId, id), 'Git provider');
  }
}
