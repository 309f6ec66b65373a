import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiConflictResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiTag } from '../../common/openapi/api-tag';
import { AccountsService } from './accounts.service';
import { AccountResponseDto } from './dto/accounts.dto';

/** The caller's linked identity provider accounts (link one with POST /v1/auth/oauth/{provider}/link). */
@ApiTag('me')
@Controller('v1/me/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  /** The provider accounts linked to the caller, oldest first. */
  @Get()
  @Authenticated()
  @ApiOkResponse({ type: [AccountResponseDto] })
  list(): Promise<AccountResponseDto[]> {
    return this.accounts.list();
  }

  /** One of the caller's provider accounts. */
  @Get(':accountId')
  @Authenticated()
  @ApiOkResponse({ type: AccountResponseDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: not an account of the caller' })
  get(@Param('accountId', UuidParamPipe) accountId: string): Promise<AccountResponseDto> {
    return this.accounts.get(accountId);
  }

  /** Unlink a provider account: it no longer signs the caller in. */
  @Delete(':accountId')
  @HttpCode(204)
  @Authenticated()
  @ApiNoContentResponse({ description: 'Unlinked' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: not an account of the caller' })
  @ApiConflictResponse({
    description: 'LAST_SIGN_IN_METHOD: the caller has no password and no other account; set a password first',
  })
  unlinkAccount(@Param('accountId', UuidParamPipe) accountId: string): Promise<void> {
    return this.accounts.unlink(accountId);
  }
}
