import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyResponseDto, CreateApiKeyDto, CreatedApiKeyResponseDto } from './dto/api-key.dto';

@ApiTag('api-keys', 'Service API keys of an organization: scoped, rate-limited credentials for machines.')
@Controller('v1/orgs/:orgId/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** Create a service API key; the key itself is in this response only. */
  @Post()
  @Authenticated({ tenant: true, role: 'ADMIN' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto, description: 'PLAN_LIMIT_REACHED (403) when the plan is full' })
  create(@OrgId() orgId: string, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    return this.apiKeys.create(orgId, dto);
  }

  /** List the organization's API keys, newest first, masked. */
  @Get()
  @Authenticated({ tenant: true, role: 'ADMIN' })
  @ApiOkResponse({ type: PageOf(ApiKeyResponseDto) })
  list(@OrgId() orgId: string, @Query() query: PageQueryDto) {
    return this.apiKeys.list(orgId, query);
  }

  /** Revoke an API key; it stops working at once. */
  @Delete(':apiKeyId')
  @HttpCode(204)
  @Authenticated({ tenant: true, role: 'ADMIN' })
  @ApiNoContentResponse({ description: 'Revoked' })
  async revoke(@OrgId() orgId: string, @Param('apiKeyId', UuidParamPipe) id: string): Promise<void> {
    await this.apiKeys.revoke(orgId, id);
  }
}
