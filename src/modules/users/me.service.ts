import { Injectable } from '@nestjs/common';
import { RequestContext } from '../../common/tenancy/request-context';
import { AppException } from '../../common/errors/app-exception';
import { decodeCursor, TIME_CURSOR, toPage, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import { AuthService } from '../auth/auth.service';
import { toUserResponse } from './dto/user-response.dto';
import type { DeleteMeDto, MeResponseDto, MyInvitationResponseDto, SetActiveOrgDto, UpdateMeDto } from './dto/me.dto';
import { MeRepository, type MyInvitation, type UserWithProfile } from './me.repository';
import { UserDeletionService } from './user-deletion.service';

/** The signed-in caller: their profile, the org they work in, the invitations waiting for them. */
@Injectable()
export class MeService {
  constructor(
    private readonly repository: MeRepository,
    private readonly context: RequestContext,
    private readonly auth: AuthService,
    private readonly deletion: UserDeletionService,
  ) {}

  async get(): Promise<MeResponseDto> {
    const user = await this.repository.findUser(this.context.requireUser().userId);
    // The session guard has just seen the user live; a miss means it was deleted meanwhile.
    if (!user) throw AppException.notFound('User');
    return toMeResponse(user);
  }

  async update(dto: UpdateMeDto): Promise<MeResponseDto> {
    const { userId } = this.context.requireUser();
    const { name, image, locale, timezone } = dto;
    if (name !== undefined || image !== undefined) await this.repository.updateUser(userId, { name, image });
    if (locale !== undefined || timezone !== undefined)
      await this.repository.upsertProfile(userId, { locale, timezone });
    return this.get();
  }

  /** Remembers the org the caller works in; it must be one they are an active member of. */
  async setActiveOrg(dto: SetActiveOrgDto): Promise<MeResponseDto> {
    const { userId } = this.context.requireUser();
    const orgId = dto.orgId.toLowerCase();
    if (!(await this.repository.isActiveMember(userId, orgId))) throw AppException.notFound('Organization');
    await this.repository.upsertProfile(userId, { lastActiveOrgId: orgId });
    return this.get();
  }

  /**
   * Deletes the caller's account once they have entered their password again (UserDeletionService
   * says what goes and what stays). Their sessions end with it, this one included.
   */
  async remove(dto: DeleteMeDto): Promise<void> {
    const user = await this.auth.confirmPassword(dto.password);
    await this.deletion.erase(user.id);
  }

  async listInvitations(query: PageQueryDto): Promise<Page<MyInvitationResponseDto>> {
    const { email } = this.context.requireUser();
    const after = decodeCursor(query.cursor, TIME_CURSOR);
    const rows = await this.repository.listPendingInvitations(email, {
      limit: query.limit + 1,
      now: new Date(),
      after,
    });
    return toPage(rows, query.limit, toInvitationResponse, (row) => ({
      createdAt: row.createdAt.toISOString(),
      id: row.id,
    }));
  }
}

function toMeResponse(user: UserWithProfile): MeResponseDto {
  const { profile } = user;
  return {
    ...toUserResponse(user),
    lastActiveOrgId: profile?.lastActiveOrgId ?? null,
    locale: profile?.locale ?? null,
    timezone: profile?.timezone ?? null,
    image: user.image,
  };
}

function toInvitationResponse(row: MyInvitation): MyInvitationResponseDto {
  const { id, orgId, role, expiresAt, createdAt, organization } = row;
  return { id, orgId, orgName: organization.name, role, expiresAt, createdAt };
}
