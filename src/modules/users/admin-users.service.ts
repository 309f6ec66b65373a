import { Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app-exception';
import { decodeCursor, toPage, type Page } from '../../common/pagination/pagination';
import { PlatformAdminScope } from '../../common/tenancy/platform-admin-scope';
import { RequestContext } from '../../common/tenancy/request-context';
import { AuditService } from '../audit/audit.service';
import type { AdminSearchQueryDto } from '../admin/dto/admin.dto';
import type { AdminUserResponseDto } from './dto/admin-user.dto';
import { toUserResponse } from './dto/user-response.dto';
import { UserDeletionService } from './user-deletion.service';
import { UsersRepository, type UserRow } from './users.repository';

/**
 * The platform admin's user operations (seed 002's global ADMIN): list every user, suspend and
 * lift a suspension, delete an account. Users and sessions are visible across scopes only inside
 * PlatformAdminScope, which every operation here goes through. Deleted accounts are listed (with
 * deletedAt) but are otherwise gone: suspending, unsuspending or deleting one again is 404.
 */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly repository: UsersRepository,
    private readonly deletion: UserDeletionService,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly adminScope: PlatformAdminScope,
  ) {}

  list(query: AdminSearchQueryDto): Promise<Page<AdminUserResponseDto>> {
    const after = decodeCursor(query.cursor, { id: 'uuid' });
    return this.adminScope.run('users.list', async () => {
      const rows = await this.repository.list({ limit: query.limit + 1, beforeId: after?.id, search: query.q });
      return toPage(rows, query.limit, toAdminUserResponse, (row) => ({ id: row.id }));
    });
  }

  /**
   * Suspends the account: its sessions are revoked, so its access tokens stop working at once
   * (the authentication guard checks the session on every request) and it cannot sign in.
   */
  suspend(userId: string): Promise<AdminUserResponseDto> {
    this.refuseSelf(userId, 'You cannot suspend your own account');
    return this.adminScope.run('users.suspend', () => this.suspendAsAdmin(userId), { targetUserId: userId });
  }

  unsuspend(userId: string): Promise<AdminUserResponseDto> {
    return this.adminScope.run('users.unsuspend', () => this.unsuspendAsAdmin(userId), { targetUserId: userId });
  }

  /** Deletes another user's account, as DELETE /v1/me does for one's own. */
  remove(userId: string): Promise<void> {
    this.refuseSelf(userId, 'You cannot delete your own account here: use DELETE /v1/me');
    return this.adminScope.run(
      'users.delete',
      async () => {
        await this.findLiveUser(userId);
        await this.deletion.erase(userId);
      },
      { targetUserId: userId },
    );
  }

  private refuseSelf(userId: string, detail: string): void {
    if (userId === this.context.requireUser().userId) throw new AppException('VALIDATION_FAILED', detail);
  }

  private async suspendAsAdmin(userId: string): Promise<AdminUserResponseDto> {
    const user = await this.findLiveUser(userId);
    const now = new Date();
    const updated = user.suspendedAt ? user : await this.repository.setSuspended(userId, now);
    await this.repository.revokeSessions(userId, now);
    if (!user.suspendedAt) await this.auditSuspension(user, updated, 'user.suspended');
    return toAdminUserResponse(updated);
  }

  private async unsuspendAsAdmin(userId: string): Promise<AdminUserResponseDto> {
    const user = await this.findLiveUser(userId);
    if (!user.suspendedAt) return toAdminUserResponse(user);
    const updated = await this.repository.setSuspended(userId, null);
    await this.auditSuspension(user, updated, 'user.unsuspended');
    return toAdminUserResponse(updated);
  }

  private async findLiveUser(userId: string): Promise<UserRow> {
    const user = await this.repository.findById(userId);
    if (!user || user.deletedAt) throw AppException.notFound('User');
    return user;
  }

  /** Users belong to no single organization: like sign-ins, the event goes to the user's audit org. */
  private async auditSuspension(before: UserRow, after: UserRow, action: string): Promise<void> {
    await this.audit.recordForUser(before.id, {
      action,
      resourceType: 'user',
      resourceId: before.id,
      before: { suspendedAt: before.suspendedAt },
      after: { suspendedAt: after.suspendedAt },
    });
  }
}

function toAdminUserResponse(user: UserRow): AdminUserResponseDto {
  return { ...toUserResponse(user), suspendedAt: user.suspendedAt, deletedAt: user.deletedAt };
}
