import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../../common/tenancy/request-context';
import { randomToken, sha256 } from '../../common/crypto/tokens';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { MailService } from '../../common/mail/mail.service';
import { decodeCursor, TIME_CURSOR, toPage, type Page } from '../../common/pagination/pagination';
import { FeatureRegistry } from '../../common/features/feature-registry';
import { AppConfig } from '../../config/app-config';
import { DbContext } from '../../database/db-context';
import type { CreateInvitationDto, InvitationResponseDto, ListInvitationsQueryDto } from './dto/invitation.dto';
import type { OrganizationResponseDto } from './dto/organization.dto';
import { InvitationsRepository, PENDING_EXISTS, type InvitationRow } from './invitations.repository';
import { MembersRepository } from './members.repository';
import { OrganizationsRepository, type OrganizationRow } from './organizations.repository';
import { toOrganizationResponse } from './organizations.service';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Invitations by email. The token is shown only in the email and stored as SHA-256; accepting
 * needs the signed-in user's email to match. Pending invitations hold a seat of the member limit.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly members: MembersRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly db: DbContext,
    private readonly mail: MailService,
    private readonly features: FeatureRegistry,
    private readonly config: AppConfig,
  ) {}

  async create(orgId: string, dto: CreateInvitationDto): Promise<InvitationResponseDto> {
    const org = await this.findOrg(orgId);
    const now = new Date();
    // Invitations and joins of one org wait for each other from here (the member limit's lock), so
    // the checks below see every invitation made before; a unique index has the last word.
    await this.features.lockLimit(orgId, 'members');
    if (await this.members.emailIsMember(orgId, dto.email)) {
      throw new AppException('DUPLICATE', 'This email already belongs to a member of the organization');
    }
    if (await this.invitations.findPendingForEmail(orgId, dto.email, now)) {
      throw new AppException('DUPLICATE', PENDING_EXISTS);
    }
    await this.assertSeatFree(org, now);
    for (const expired of await this.invitations.revokeExpired(orgId, dto.email, now)) {
      await this.audit.record({
        action: 'invitation.revoked',
        resourceType: 'invitation',
        resourceId: expired.id,
        before: { ...toInvitationResponse(expired), status: 'PENDING' },
        after: toInvitationResponse(expired),
      });
    }
    const token = randomToken();
    const invitation = await this.invitations.create(orgId, {
      email: dto.email,
      role: dto.role,
      tokenHash: sha256(token),
      expiresAt: this.expiry(now),
      invitedByUserId: this.context.userId ?? null,
    });
    await this.audit.record({
      action: 'invitation.created',
      resourceType: 'invitation',
      resourceId: invitation.id,
      after: toInvitationResponse(invitation),
    });
    this.sendInvitation(org, invitation, token);
    return toInvitationResponse(invitation);
  }

  async list(orgId: string, query: ListInvitationsQueryDto): Promise<Page<InvitationResponseDto>> {
    const before = decodeCursor(query.cursor, TIME_CURSOR);
    const rows = await this.invitations.list(orgId, { limit: query.limit + 1, status: query.status, before });
    return toPage(rows, query.limit, toInvitationResponse, (row) => ({
      createdAt: row.createdAt.toISOString(),
      id: row.id,
    }));
  }

  /** Only pending invitations can be revoked. */
  async revoke(orgId: string, id: string): Promise<void> {
    const before = await this.findPending(orgId, id);
    const after = await this.updatePending(orgId, id, { status: 'REVOKED', respondedAt: new Date() });
    await this.audit.record({
      action: 'invitation.revoked',
      resourceType: 'invitation',
      resourceId: id,
      before: toInvitationResponse(before),
      after: toInvitationResponse(after),
    });
  }

  /** A new token (the old link stops working), a new expiry and a new email. */
  async resend(orgId: string, id: string): Promise<InvitationResponseDto> {
    const before = await this.findPending(orgId, id);
    const org = await this.findOrg(orgId);
    const token = randomToken();
    const after = await this.updatePending(orgId, id, { tokenHash: sha256(token), expiresAt: this.expiry(new Date()) });
    await this.audit.record({
      action: 'invitation.resent',
      resourceType: 'invitation',
      resourceId: id,
      before: toInvitationResponse(before),
      after: toInvitationResponse(after),
    });
    this.sendInvitation(org, after, token);
    return toInvitationResponse(after);
  }

  /** Joins the invitation's organization with the invited role. */
  async accept(token: string): Promise<OrganizationResponseDto> {
    const { userId } = this.context.requireUser();
    const invitation = await this.findAnswerable(token);
    return this.db.run({ orgId: invitation.orgId }, async () => {
      // A deleted organization's invitations are as good as unknown.
      const org = await this.findOrg(invitation.orgId, 'Invitation');
      if (await this.members.find(org.id, userId)) {
        throw new AppException('DUPLICATE', 'You are already a member of this organization');
      }
      await this.assertSeatFree(org, new Date(), invitation.id);
      await this.members.create(org.id, userId, invitation.role);
      const after = await this.updatePending(org.id, invitation.id, { status: 'ACCEPTED', respondedAt: new Date() });
      await this.audit.record({
        orgId: org.id,
        action: 'invitation.accepted',
        resourceType: 'invitation',
        resourceId: invitation.id,
        before: toInvitationResponse(invitation),
        after: { ...toInvitationResponse(after), userId },
      });
      return toOrganizationResponse(org, invitation.role);
    });
  }

  async decline(token: string): Promise<void> {
    const invitation = await this.findAnswerable(token);
    await this.db.run({ orgId: invitation.orgId }, async () => {
      const after = await this.updatePending(invitation.orgId, invitation.id, {
        status: 'DECLINED',
        respondedAt: new Date(),
      });
      await this.audit.record({
        orgId: invitation.orgId,
        action: 'invitation.declined',
        resourceType: 'invitation',
        resourceId: invitation.id,
        before: toInvitationResponse(invitation),
        after: toInvitationResponse(after),
      });
    });
  }

  /**
   * The pending, unexpired invitation of a token, addressed to the caller. Unknown, expired or
   * answered tokens are all 404, so a token's history is not disclosed.
   */
  private async findAnswerable(token: string): Promise<InvitationRow> {
    const { email } = this.context.requireUser();
    const tokenHash = sha256(token);
    const invitation = await this.db.run({ tokenHash }, () => this.invitations.findByTokenHash(tokenHash));
    if (!invitation || invitation.status !== 'PENDING' || invitation.expiresAt <= new Date()) {
      throw AppException.notFound('Invitation');
    }
    if (invitation.email.toLowerCase() !== email.toLowerCase()) {
      throw AppException.forbidden('This invitation is addressed to another email address');
    }
    return invitation;
  }

  private async findPending(orgId: string, id: string): Promise<InvitationRow> {
    const invitation = await this.invitations.findById(orgId, id);
    if (!invitation || invitation.status !== 'PENDING') throw AppException.notFound('Invitation');
    return invitation;
  }

  /** Answered or revoked meanwhile (a concurrent request won): 404, and this request's writes roll back. */
  private async updatePending(
    orgId: string,
    id: string,
    data: Parameters<InvitationsRepository['updatePending']>[2],
  ): Promise<InvitationRow> {
    return orNotFound(await this.invitations.updatePending(orgId, id, data), 'Invitation');
  }

  private async findOrg(orgId: string, missing = 'Organization'): Promise<OrganizationRow> {
    return orNotFound(await this.organizations.findById(orgId), missing);
  }

  /** Active members and pending invitations (but `exceptInvitationId`) each take a seat. */
  private async assertSeatFree(org: OrganizationRow, now: Date, exceptInvitationId?: string): Promise<void> {
    await this.features.assertCanAdd(org.id, 'members', async () => {
      const [active, pending] = await Promise.all([
        this.members.countActive(org.id),
        this.invitations.countPending(org.id, now, exceptInvitationId),
      ]);
      return active + pending;
    });
  }

  private expiry(from: Date): Date {
    return new Date(from.getTime() + this.config.INVITATION_TTL_DAYS * DAY_MS);
  }

  private sendInvitation(org: OrganizationRow, invitation: InvitationRow, token: string): void {
    const link = this.mail.link('/invitations/accept', { token });
    this.mail.send({
      to: invitation.email,
      subject: `You are invited to join ${org.name} on Orgbase`,
      text: [
        `You have been invited to join ${org.name} on Orgbase as ${invitation.role}.`,
        '',
        `Accept the invitation: ${link}`,
        '',
        `The link works until ${invitation.expiresAt.toISOString()}. Sign in with ${invitation.email} to accept it.`,
        'If you do not want to join, ignore this email.',
      ].join('\n'),
    });
  }
}

export function toInvitationResponse(invitation: InvitationRow): InvitationResponseDto {
  const { id, email, role, status, expiresAt, createdAt, invitedByUserId } = invitation;
  return { id, email, role, status, expiresAt, createdAt, invitedByUserId };
}
