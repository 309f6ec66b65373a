import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { API_KEY_PREFIX } from '../../common/auth/authentication.guard';
import { RequestContext } from '../../common/tenancy/request-context';
import { randomToken, sha256 } from '../../common/crypto/tokens';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { decodeCursor, TIME_CURSOR, toPage, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import { FeatureRegistry } from '../../common/features/feature-registry';
import { ApiKeysRepository, type ApiKeyRow } from './api-keys.repository';
import type { ApiKeyResponseDto, CreateApiKeyDto, CreatedApiKeyResponseDto } from './dto/api-key.dto';

/** How much of the key is kept in clear to recognise it: `ob_` and 8 characters. */
const PREFIX_LENGTH = 11;

/**
 * Service API keys (seed 004): random secrets shown once, stored as SHA-256, limited by scopes to
 * their own organization. Only signed-in admins manage them; a key cannot mint or revoke keys.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
  ) {}

  async create(orgId: string, dto: CreateApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    const user = this.context.requireUser();
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new AppException('VALIDATION_FAILED', 'expiresAt must be in the future', [
        { field: 'expiresAt', messages: ['expiresAt must be in the future'] },
      ]);
    }
    await this.features.assertCanAdd(orgId, 'apiKeys');

    const key = `${API_KEY_PREFIX}${randomToken(32)}`;
    const record = await this.repository.create(orgId, {
      name: dto.name,
      prefix: key.slice(0, PREFIX_LENGTH),
      keyHash: sha256(key),
      scopes: [...new Set(dto.scopes)],
      expiresAt,
      rateLimitPerMinute: dto.rateLimitPerMinute ?? null,
      createdByUserId: user.userId,
    });
    const response = toResponse(record);
    // The masked view only: neither the key nor its hash enters the log.
    await this.audit.record({
      action: 'api_key.created',
      resourceType: 'api_key',
      resourceId: record.id,
      after: response,
    });
    return { ...response, key };
  }

  async list(orgId: string, query: PageQueryDto): Promise<Page<ApiKeyResponseDto>> {
    const after = decodeCursor(query.cursor, TIME_CURSOR);
    const rows = await this.repository.list(orgId, query.limit + 1, after);
    return toPage(rows, query.limit, toResponse, (row) => ({ createdAt: row.createdAt, id: row.id }));
  }

  async revoke(orgId: string, id: string): Promise<void> {
    const before = orNotFound(await this.repository.findActive(orgId, id), 'API key');
    const after = await this.repository.revoke(orgId, id, new Date());
    await this.audit.record({
      action: 'api_key.revoked',
      resourceType: 'api_key',
      resourceId: id,
      before: toResponse(before),
      after: toResponse(after),
    });
  }
}

function toResponse(key: ApiKeyRow): ApiKeyResponseDto {
  const { id, name, prefix, scopes, rateLimitPerMinute, expiresAt, lastUsedAt, revokedAt, createdAt, createdByUserId } =
    key;
  return { id, name, prefix, scopes, rateLimitPerMinute, expiresAt, lastUsedAt, revokedAt, createdAt, createdByUserId };
}
