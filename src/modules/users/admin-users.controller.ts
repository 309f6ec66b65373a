import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { Authenticated } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { PageOf } from '../../common/pagination/pagination';
import { AdminSearchQueryDto } from '../admin/dto/admin.dto';
import { AdminUsersService } from './admin-users.service';
import { AdminUserResponseDto } from './dto/admin-user.dto';

/** Platform administrators only: every user of the platform, whatever organizations they are in. */
@ApiTag('admin')
@Controller('v1/admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  /** List every user, newest first; deleted accounts included, with deletedAt. */
  @Get()
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: PageOf(AdminUserResponseDto) })
  @ApiOperation({ operationId: 'listUsers' })
  list(@Query() query: AdminSearchQueryDto) {
    return this.users.list(query);
  }

  /** Suspend a user: their sessions end at once and they cannot sign in. */
  @Post(':userId/suspend')
  @HttpCode(200)
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: AdminUserResponseDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: administrators cannot suspend themselves' })
  @ApiOperation({ operationId: 'suspendUser' })
  suspend(@Param('userId', UuidParamPipe) userId: string): Promise<AdminUserResponseDto> {
    return this.users.suspend(userId);
  }

  /** Lift a user's suspension; they sign in again. */
  @Post(':userId/unsuspend')
  @HttpCode(200)
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: AdminUserResponseDto })
  @ApiOperation({ operationId: 'unsuspendUser' })
  unsuspend(@Param('userId', UuidParamPipe) userId: string): Promise<AdminUserResponseDto> {
    return this.users.unsuspend(userId);
  }

  /**
   * Delete a user's account: their sessions end at once, their private data is removed and what
   * their organizations keep is anonymised (see DELETE /v1/me).
   */
  @Delete(':userId')
  @HttpCode(204)
  @Authenticated({ platformAdmin: true })
  @ApiNoContentResponse({ description: 'Account deleted' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: administrators delete their own account at DELETE /v1/me' })
  @ApiConflictResponse({ description: 'LAST_OWNER: the user is the last active owner of the organizations named' })
  @ApiOperation({ operationId: 'deleteUser' })
  remove(@Param('userId', UuidParamPipe) userId: string): Promise<void> {
    return this.users.remove(userId);
  }
}
