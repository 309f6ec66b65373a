import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated, NoRequestTransaction, OrgId } from '../../common/auth/decorators';
import { ETAG_HEADER, IfMatch, SendsETag, type ExpectedVersion } from '../../common/http/etag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf } from '../../common/pagination/pagination';
import {
  CreateProviderKeyDto,
  ListProviderKeysQueryDto,
  ProviderKeyResponseDto,
  ProviderKeyTestResponseDto,
  UpdateProviderKeyDto,
} from './dto/provider-key.dto';
import { ProviderKeysService } from './provider-keys.service';

/**
 * Every member reaches these routes; the service applies the key's own rules: ORG keys are
 * managed by ADMIN+ and used (tested) by EDITOR+, a PERSONAL key by its owner alone.
 */
const PROVIDER_KEY = { tenant: true, scope: 'provider-keys', role: 'VIEWER' } as const;
const OUTBOUND_REFUSED = 'baseUrl breaks the outbound (SSRF) policy; `errors` says why';

@ApiTag(
  'provider-keys',
  'Model provider keys: ORG keys (ADMIN+ manage, EDITOR+ use) and PERSONAL keys (their owner alone); secrets are never returned.',
)
@Controller('v1/orgs/:orgId/provider-keys')
export class ProviderKeysController {
  constructor(private readonly keys: ProviderKeysService) {}

  /** Add a key: an ORG key (ADMIN+, or an API key) or the caller's PERSONAL key (any member). */
  @Post()
  @SendsETag()
  @Authenticated(PROVIDER_KEY)
  @ApiCreatedResponse({ type: ProviderKeyResponseDto, headers: ETAG_HEADER })
  @ApiProblem('OUTBOUND_URL_REFUSED', OUTBOUND_REFUSED)
  create(@OrgId() orgId: string, @Body() dto: CreateProviderKeyDto): Promise<ProviderKeyResponseDto> {
    return this.keys.create(orgId, dto);
  }

  /** The org's keys and the caller's own personal keys, oldest first. */
  @Get()
  @Authenticated(PROVIDER_KEY)
  @ApiOkResponse({ type: PageOf(ProviderKeyResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListProviderKeysQueryDto) {
    return this.keys.list(orgId, query);
  }

  /** One key (another member's personal key is 404). */
  @Get(':keyId')
  @SendsETag()
  @Authenticated(PROVIDER_KEY)
  @ApiOkResponse({ type: ProviderKeyResponseDto, headers: ETAG_HEADER })
  get(@OrgId() orgId: string, @Param('keyId', UuidParamPipe) id: string): Promise<ProviderKeyResponseDto> {
    return this.keys.get(orgId, id);
  }

  /** Change a key (If-Match: its ETag): rename, replace the secret, make it the default, deactivate. */
  @Patch(':keyId')
  @SendsETag()
  @Authenticated(PROVIDER_KEY)
  @ApiOkResponse({ type: ProviderKeyResponseDto, headers: ETAG_HEADER })
  @ApiProblem('OUTBOUND_URL_REFUSED', OUTBOUND_REFUSED)
  update(
    @OrgId() orgId: string,
    @Param('keyId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
    @Body() dto: UpdateProviderKeyDto,
  ): Promise<ProviderKeyResponseDto> {
    return this.keys.update(orgId, id, expected, dto);
  }

  /** Delete a key (If-Match: its ETag). */
  @Delete(':keyId')
  @HttpCode(204)
  @Authenticated(PROVIDER_KEY)
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(
    @OrgId() orgId: string,
    @Param('keyId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<void> {
    await this.keys.remove(orgId, id, expected);
  }

  /**
   * Try the key with a real, cheap call (it lists the provider's models): `ok`, the latency, and
   * the provider's reason when it refused. A refusal is a 200 with `ok: false`, not an error.
   */
  @Post(':keyId/test')
  @NoRequestTransaction()
  @HttpCode(200)
  @Authenticated(PROVIDER_KEY)
  @ApiOkResponse({ type: ProviderKeyTestResponseDto })
  @ApiProblem('PROVIDER_KEY_UNUSABLE', 'an OPENAI_COMPATIBLE key without a base URL')
  test(@OrgId() orgId: string, @Param('keyId', UuidParamPipe) id: string): Promise<ProviderKeyTestResponseDto> {
    return this.keys.test(orgId, id);
  }
}
