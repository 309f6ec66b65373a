import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import type { ExpectedVersion } from '../../common/http/etag';
import { OutboundPolicy } from '../../common/outbound/outbound.service';
import { paginate, type Page } from '../../common/pagination/pagination';
import { SecretDecryptionError } from '../../common/secrets/key-ring';
import { KeyRing } from '../../common/secrets/key-ring.provider';
import { secretAad } from '../../common/secrets/secret-columns';
import { RequestContext } from '../../common/tenancy/request-context';
import { hasRole } from '../../common/tenancy/roles';
import { DbContext } from '../../database/db-context';
import { AiProvider, ProviderKeyScope, type MemberRole } from '../../generated/prisma/enums';
import { ModelCallError, ModelGateway, type UsableProviderKey } from '../llm/model-gateway';
import {
  last4Of,
  toProviderKeyResponse,
  type CreateProviderKeyDto,
  type ListProviderKeysQueryDto,
  type ProviderKeyResponseDto,
  type ProviderKeyTestResponseDto,
  type UpdateProviderKeyDto,
} from './dto/provider-key.dto';
import {
  PROVIDER_KEY_ORDER,
  ProviderKeysRepository,
  type ProviderKeyChanges,
  type ProviderKeyRow,
} from './provider-keys.repository';

/** How long `POST …/test` waits for the provider (the request holds its transaction meanwhile). */
export const KEY_TEST_TIMEOUT_MS = 10_000;

/** Who manages and who uses an ORG key; a PERSONAL key is its owner's alone (row-level security). */
const ORG_KEY_MANAGERS: MemberRole = 'ADMIN';
const ORG_KEY_USERS: MemberRole = 'EDITOR';

/**
 * Model provider keys (seeds 000 and 002). ORG keys belong to the organization: ADMIN+ manage
 * them, EDITOR+ use them, every member sees them (masked). PERSONAL keys belong to their creator,
 * who alone sees, manages and uses them ("no shared billing"); the database's row-level security
 * hides them from everyone else, so a lookup by anyone else finds nothing (404). Service API keys
 * have no user: they see and manage ORG keys only. Secrets are encrypted with the key ring, bound
 * to the org, and leave the server only towards the provider.
 */
@Injectable()
export class ProviderKeysService {
  constructor(
    private readonly repository: ProviderKeysRepository,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
    private readonly keyRing: KeyRing,
    private readonly outbound: OutboundPolicy,
    private readonly gateway: ModelGateway,
    private readonly db: DbContext,
  ) {}

  async create(orgId: string, dto: CreateProviderKeyDto): Promise<ProviderKeyResponseDto> {
    const scope = dto.scope ?? ProviderKeyScope.ORG;
    const ownerUserId = scope === ProviderKeyScope.PERSONAL ? this.personalOwner() : null;
    if (scope === ProviderKeyScope.ORG) this.assertRole(ORG_KEY_MANAGERS, 'manage the organization’s keys');
    if (scope === ProviderKeyScope.PERSONAL && dto.isDefault)
      throw invalid('isDefault', 'only ORG keys can be the organization’s default');
    await this.checkBaseUrl(dto.provider, dto.baseUrl ?? null);
    await this.features.assertCanAdd(orgId, 'providerKeys');
    const row = await this.repository.create(
      orgId,
      {
        provider: dto.provider,
        name: dto.name,
        ...this.secret(orgId, dto.apiKey),
        baseUrl: dto.baseUrl ?? null,
        defaultModel: dto.defaultModel ?? null,
        scope,
        ownerUserId,
        isDefault: dto.isDefault ?? false,
        isActive: dto.isActive ?? true,
      },
      this.context.userId ?? null,
    );
    return toProviderKeyResponse(row);
  }

  list(orgId: string, query: ListProviderKeysQueryDto): Promise<Page<ProviderKeyResponseDto>> {
    return paginate(
      query,
      PROVIDER_KEY_ORDER,
      (page) => this.repository.list(orgId, { ...page, provider: query.provider, scope: query.scope }),
      toProviderKeyResponse,
    );
  }

  async get(orgId: string, id: string): Promise<ProviderKeyResponseDto> {
    return toProviderKeyResponse(await this.find(orgId, id));
  }

  async update(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    dto: UpdateProviderKeyDto,
  ): Promise<ProviderKeyResponseDto> {
    const current = await this.find(orgId, id);
    this.assertManages(current);
    if (dto.isDefault && current.scope === ProviderKeyScope.PERSONAL)
      throw invalid('isDefault', 'only ORG keys can be the organization’s default');
    if (dto.baseUrl !== undefined) await this.checkBaseUrl(current.provider, dto.baseUrl);
    const { apiKey, ...rest } = dto;
    const changes: ProviderKeyChanges = { ...rest, ...(apiKey === undefined ? {} : this.secret(orgId, apiKey)) };
    return toProviderKeyResponse(
      orNotFound(await this.repository.update(orgId, id, expected, changes), 'Provider key'),
    );
  }

  async remove(orgId: string, id: string, expected: ExpectedVersion): Promise<void> {
    this.assertManages(await this.find(orgId, id));
    orNotFound(await this.repository.delete(orgId, id, expected), 'Provider key');
  }

  /**
   * A real, cheap call with the key (listing the provider's models): ok with the latency, or not
   * ok with the provider's reason (secrets cut out). A failure of the provider is an answer, not
   * an error of this request. Inactive keys may be tested too (before switching them back on).
   */
  async test(orgId: string, id: string): Promise<ProviderKeyTestResponseDto> {
    // The route has no request transaction: the read and the touch are short ones of their own,
    // so no pooled connection waits on the provider meanwhile.
    const scope = this.context.dbScope;
    const key = await this.db.run(scope, async () => {
      const row = await this.find(orgId, id);
      if (row.scope === ProviderKeyScope.ORG) this.assertRole(ORG_KEY_USERS, 'use the organization’s keys');
      return this.usable(row);
    });
    const started = performance.now();
    const signal = AbortSignal.timeout(KEY_TEST_TIMEOUT_MS);
    let result: Omit<ProviderKeyTestResponseDto, 'latencyMs'>;
    try {
      result = { ok: true, models: (await this.gateway.listModels(key, signal)).slice(0, 20) };
    } catch (error) {
      if (!(error instanceof ModelCallError)) throw error;
      const message = signal.aborted
        ? `The provider did not answer within ${KEY_TEST_TIMEOUT_MS / 1000} s`
        : error.message;
      result = { ok: false, error: message, ...(error.status ? { status: error.status } : {}) };
    }
    const latencyMs = Math.round(performance.now() - started);
    await this.db.run(scope, () => this.repository.touch(orgId, id));
    const { ok, ...details } = result;
    return { ok, latencyMs, ...details };
  }

  /**
   * The key `keyId` of the org, decrypted, for a model call made in the current DB scope
   * (`DbContext.run({ orgId, userId })`: a PERSONAL key is found only for its owner, by RLS).
   * 404 PROVIDER_KEY not found / not visible; 422 when inactive or unusable (e.g. an
   * OPENAI_COMPATIBLE key without baseUrl). Records lastUsedAt. Role checks belong to the route.
   */
  async resolveForUse(orgId: string, keyId: string): Promise<UsableProviderKey> {
    const row = await this.find(orgId, keyId);
    if (!row.isActive) throw new AppException('PROVIDER_KEY_UNUSABLE', `The provider key ${row.name} is deactivated`);
    const key = this.usable(row);
    await this.repository.touch(orgId, keyId);
    return key;
  }

  private usable(row: ProviderKeyRow): UsableProviderKey {
    if (row.provider === AiProvider.OPENAI_COMPATIBLE && !row.baseUrl)
      throw new AppException('PROVIDER_KEY_UNUSABLE', `The provider key ${row.name} has no base URL`);
    let apiKey: string;
    try {
      apiKey = this.keyRing.decrypt(row.encryptedKey, secretAad('provider_keys.encryptedKey', row.orgId));
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      throw new AppException(
        'PROVIDER_KEY_UNUSABLE',
        `The secret of the provider key ${row.name} cannot be read (was ENCRYPTION_KEYS changed?); set it again`,
      );
    }
    return {
      id: row.id,
      provider: row.provider,
      apiKey,
      baseUrl: row.baseUrl,
      defaultModel: row.defaultModel,
    };
  }

  private secret(orgId: string, apiKey: string): { encryptedKey: string; last4: string } {
    return {
      encryptedKey: this.keyRing.encrypt(apiKey, secretAad('provider_keys.encryptedKey', orgId)),
      last4: last4Of(apiKey),
    };
  }

  /** OPENAI_COMPATIBLE needs a base URL; any base URL must pass the outbound policy. */
  private async checkBaseUrl(provider: AiProvider, baseUrl: string | null): Promise<void> {
    if (baseUrl === null) {
      if (provider === AiProvider.OPENAI_COMPATIBLE)
        throw invalid('baseUrl', 'baseUrl is required for OPENAI_COMPATIBLE keys');
      return;
    }
    await this.outbound.assertAllowed(baseUrl, 'baseUrl');
  }

  private async find(orgId: string, id: string): Promise<ProviderKeyRow> {
    return orNotFound(await this.repository.findById(orgId, id), 'Provider key');
  }

  /** ORG keys: ADMIN+ (or an API key, whose write scope stood for the role). PERSONAL: whoever sees it, its owner. */
  private assertManages(row: ProviderKeyRow): void {
    if (row.scope === ProviderKeyScope.ORG) this.assertRole(ORG_KEY_MANAGERS, 'manage the organization’s keys');
  }

  private assertRole(role: MemberRole, what: string): void {
    const tenantRole = this.context.tenant?.role;
    // An API key has no role; the route's scope check let it through.
    if (tenantRole && !hasRole(tenantRole, role))
      throw AppException.forbidden(`Only members with the ${role} role or higher ${what}`);
  }

  /** A PERSONAL key's owner: the signed-in caller (an API key has no user to own one). */
  private personalOwner(): string {
    const userId = this.context.userId;
    if (!userId) throw AppException.forbidden('API keys manage ORG keys only: a PERSONAL key belongs to a user');
    return userId;
  }
}

function invalid(field: string, message: string): AppException {
  return new AppException('VALIDATION_FAILED', message, [{ field, messages: [message] }]);
}
