import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../../common/tenancy/request-context';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { decodeCursor, toPage, type Page } from '../../common/pagination/pagination';
import type { ListMembersQueryDto, MemberResponseDto, UpdateMemberDto } from './dto/member.dto';
import { MembersRepository, type MemberWithUser } from './members.repository';

const LAST_OWNER =
  'An organization must keep at least one active owner: transfer ownership first or make another member OWNER';

/**
 * Memberships and their rules: only an OWNER grants OWNER or changes/removes an OWNER, and an
 * organization always keeps at least one ACTIVE OWNER.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly members: MembersRepository,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

  async list(orgId: string, query: ListMembersQueryDto): Promise<Page<MemberResponseDto>> {
    const after = decodeCursor(query.cursor, { userId: 'uuid' });
    const rows = await this.members.list(orgId, {
      limit: query.limit + 1,
      afterUserId: after?.userId,
      role: query.role,
      status: query.status,
    });
    return toPage(rows, query.limit, toMemberResponse, (row) => ({ userId: row.userId }));
  }

  async update(orgId: string, userId: string, dto: UpdateMemberDto): Promise<MemberResponseDto> {
    if (dto.role === undefined && dto.status === undefined) {
      throw new AppException('VALIDATION_FAILED', 'Give a role, a status or both');
    }
    const owners = await this.members.lockOwners(orgId);
    const before = await this.find(orgId, userId);
    if ((before.role === 'OWNER' || dto.role === 'OWNER') && !this.callerIsOwner(owners)) {
      throw AppException.forbidden('Only an owner can grant the OWNER role or change an owner');
    }
    const role = dto.role ?? before.role;
    const status = dto.status ?? before.status;
    if (isActiveOwner(before) && !(role === 'OWNER' && status === 'ACTIVE')) assertAnotherOwner(owners, userId);
    const after = await this.members.update(orgId, userId, { role, status });
    await this.audit.record({
      action: 'membership.updated',
      resourceType: 'membership',
      resourceId: after.id,
      before: auditView(before),
      after: auditView(after),
    });
    return toMemberResponse(after);
  }

  async remove(orgId: string, userId: string): Promise<void> {
    const owners = await this.members.lockOwners(orgId);
    const before = await this.find(orgId, userId);
    if (before.role === 'OWNER' && !this.callerIsOwner(owners)) {
      throw AppException.forbidden('Only an owner can remove an owner');
    }
    if (isActiveOwner(before)) assertAnotherOwner(owners, userId);
    await this.members.delete(orgId, userId);
    await this.audit.record({
      action: 'membership.removed',
      resourceType: 'membership',
      resourceId: before.id,
      before: auditView(before),
    });
  }

  /** The caller leaves; the last active owner has to hand over first. */
  async leave(orgId: string): Promise<void> {
    const { userId } = this.context.requireUser();
    const owners = await this.members.lockOwners(orgId);
    const before = await this.find(orgId, userId);
    if (isActiveOwner(before)) assertAnotherOwner(owners, userId);
    await this.members.delete(orgId, userId);
    await this.audit.record({
      action: 'membership.left',
      resourceType: 'membership',
      resourceId: before.id,
      before: auditView(before),
    });
  }

  private async find(orgId: string, userId: string): Promise<MemberWithUser> {
    return orNotFound(await this.members.find(orgId, userId), 'Member');
  }

  /** Against the owners read under the lock: a role the guard saw may have been taken away since. */
  private callerIsOwner(owners: string[]): boolean {
    const callerId = this.context.userId;
    return callerId !== undefined && owners.includes(callerId);
  }
}

/** `owners` are the locked active owners (MembersRepository.lockOwners). */
function assertAnotherOwner(owners: string[], userId: string): void {
  if (!owners.some((id) => id !== userId)) throw AppException.forbidden(LAST_OWNER);
}

function isActiveOwner(member: MemberWithUser): boolean {
  return member.role === 'OWNER' && member.status === 'ACTIVE';
}

function auditView(member: MemberWithUser) {
  return { userId: member.userId, email: member.user.email, role: member.role, status: member.status };
}

export function toMemberResponse(member: MemberWithUser): MemberResponseDto {
  const { userId, role, status, createdAt } = member;
  return { userId, email: member.user.email, name: member.user.name, role, status, createdAt };
}
