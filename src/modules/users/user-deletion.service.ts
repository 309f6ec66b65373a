import { Injectable, Logger } from '@nestjs/common';
import { AppException } from '../../common/errors/app-exception';
import { RequestContext } from '../../common/tenancy/request-context';
import { AuditService } from '../audit/audit.service';
import { UsersRepository } from './users.repository';

/**
 * Account deletion (seeds 002 and 004, GDPR), for DELETE /v1/me and DELETE /v1/admin/users/{id}.
 * In the request's one transaction:
 * - refused (409 LAST_OWNER, naming them) while the user is the last active OWNER of a live org;
 * - removed: sessions and refresh tokens (access tokens stop working at once), verification
 *   tokens, linked accounts, the profile, memberships, their conversations and messages, their
 *   private canvases;
 * - kept, anonymised: org-visible canvases (without a creator), invitations addressed to them
 *   (without the address; pending ones revoked), audit entries (the actor id stays; snapshots never
 *   hold email addresses, see audit-chain.ts);
 * - the user row stays with deletedAt, a placeholder email (the address can register again), no
 *   name, image or password.
 * Each organization they belonged to gets a `user.deleted` audit entry.
 */
@Injectable()
export class UserDeletionService {
  private readonly logger = new Logger('UserDeletion');

  constructor(
    private readonly repository: UsersRepository,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

  /** Runs in a scope that may manage the user: their own, or platform administration. */
  async erase(userId: string): Promise<void> {
    const soleOwned = await this.repository.soleOwnerOrgs(userId);
    if (soleOwned.length > 0) {
      const names = soleOwned.map((org) => `"${org.name}" (${org.id})`).join(', ');
      throw new AppException(
        'LAST_OWNER',
        `The account is the last active owner of ${names}: make another member OWNER or delete the organization first`,
      );
    }
    const memberships = await this.repository.erase(userId);
    for (const membership of memberships) {
      await this.audit.record({
        orgId: membership.orgId,
        action: 'user.deleted',
        resourceType: 'user',
        resourceId: userId,
        before: { role: membership.role, status: membership.status },
      });
    }
    this.logger.log(
      { event: 'user.deleted', userId, by: this.context.userId, requestId: this.context.requestMeta.requestId },
      'Account deleted',
    );
  }
}
