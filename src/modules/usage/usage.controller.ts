import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { Authenticated } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { UsageQueryDto, UsageResponseDto } from './dto/usage.dto';
import { UsageService } from './usage.service';

@ApiTag('usage', 'Tokens and cost of chat replies, by user, model or day.')
@Controller('v1/orgs/:orgId/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  /**
   * Replies' tokens and cost between two days (UTC, both included, at most 366 days), grouped by
   * user, model or day. OWNER and ADMIN members and API keys see everyone's; other members their own.
   */
  @Get()
  @Authenticated({ tenant: true, role: 'VIEWER', scope: 'conversations' })
  @ApiOkResponse({ type: UsageResponseDto })
  get(@Query() query: UsageQueryDto): Promise<UsageResponseDto> {
    return this.usage.usage(query);
  }
}
