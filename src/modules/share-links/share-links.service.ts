import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { randomToken, sha256 } from '../../common/crypto/tokens';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { effectiveFlags } from '../../common/features/feature';
import { paginateChildren, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import { assertCreatorOwnedAccess } from '../../common/tenancy/creator-owned';
import { RequestContext } from '../../common/tenancy/request-context';
import { DbContext } from '../../database/db-context';
import {
  toCanvasSnapshot,
  toConversationSnapshot,
  toShareLinkResponse,
  type CreatedShareLinkResponseDto,
  type CreateShareLinkDto,
  type SharedSnapshotDto,
  type ShareLinkResponseDto,
} from './dto/share-link.dto';
import { SHARE_LINK_ORDER, ShareLinksRepository, type ShareableRow, type ShareTarget } from './share-links.repository';

/** The org setting (a key of its feature flags) that makes link readers sign in (any account). */
export const REQUIRE_SIGN_IN_FLAG = 'sharedLinksRequireSignIn';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/** The flag that switches conversations, and so their links, on per org. */
const CHAT_FLAG = 'chat';
/** Only the creator shares: a link is theirs whatever the target's visibility to the org. */
const SHARED_BY_CREATOR = { orgRowEditors: null };

/**
 * Share links (issue 10): a random 256-bit token, shown once and stored as its SHA-256, that reads
 * one conversation (with its messages) or one canvas through GET /v1/shared/{token} until it
 * expires or is revoked. Only the target's creator makes, lists and revokes its links; a PRIVATE
 * canvas is not shared (409: make it LINK or ORG), and making it PRIVATE again stops its links.
 */
@Injectable()
export class ShareLinksService {
  constructor(
    private readonly repository: ShareLinksRepository,
    private readonly context: RequestContext,
    private readonly db: DbContext,
    private readonly config: AppConfig,
  ) {}

  async create(orgId: string, target: ShareTarget, dto: CreateShareLinkDto): Promise<CreatedShareLinkResponseDto> {
    const userId = this.context.requireUser().userId;
    const shared = await this.sharedTarget(orgId, target);
    if (shared.visibility === 'PRIVATE' && target.canvasId) {
      throw new AppException('NOT_SHAREABLE', 'A PRIVATE canvas is not shared by link: make it LINK or ORG first');
    }
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new AppException('VALIDATION_FAILED', 'expiresAt must be in the future', [
        { field: 'expiresAt', messages: ['expiresAt must be in the future'] },
      ]);
    }
    const token = randomToken(32);
    const row = await this.repository.create(orgId, target, { tokenHash: sha256(token), expiresAt }, userId);
    return { ...toShareLinkResponse(row), token, url: `${this.config.APP_URL}/shared/${token}` };
  }

  async list(orgId: string, target: ShareTarget, query: PageQueryDto): Promise<Page<ShareLinkResponseDto>> {
    const userId = this.context.requireUser().userId;
    return paginateChildren(
      query,
      SHARE_LINK_ORDER,
      () => this.sharedTarget(orgId, target),
      (page) => this.repository.list(orgId, target, userId, page),
      toShareLinkResponse,
    );
  }

  /** Revokes one of the caller's links; revoking a revoked one changes nothing. */
  async revoke(orgId: string, linkId: string): Promise<void> {
    const userId = this.context.requireUser().userId;
    orNotFound(await this.repository.findById(orgId, linkId, userId), 'Share link');
    await this.repository.revoke(orgId, linkId, userId);
  }

  /**
   * What a link shows. Unknown, revoked and expired tokens, a deleted org or target, a canvas made
   * PRIVATE again and a conversation link while the org's chat flag is off all answer the same
   * 404. When the org requires it, the reader must be signed in (any account; 401 otherwise).
   */
  async read(token: string): Promise<SharedSnapshotDto> {
    const gone = () => AppException.notFound('Shared link');
    // Not even the shape of a token (32 random bytes, base64url): no lookup.
    if (!TOKEN_SHAPE.test(token)) throw gone();
    const tokenHash = sha256(token);
    // The token's scope finds the link without an org; with its org, the link reads its target.
    return this.db.run({ tokenHash }, async () => {
      const link = await this.repository.findByTokenHash(tokenHash);
      if (!link || link.revokedAt || (link.expiresAt && link.expiresAt.getTime() <= Date.now())) throw gone();
      return this.db.run({ orgId: link.orgId, tokenHash }, async () => {
        const org = await this.repository.findOrg(link.orgId);
        if (!org) throw gone();
        const flags = effectiveFlags(org);
        if (link.conversationId && !flags[CHAT_FLAG]) throw gone();
        if (flags[REQUIRE_SIGN_IN_FLAG] && this.context.principal?.kind !== 'user') {
          throw new AppException('UNAUTHENTICATED', 'This organization shares links with signed-in readers only');
        }
        if (link.conversationId) {
          const conversation = await this.repository.readConversation(link.orgId, link.conversationId);
          if (!conversation) throw gone();
          return toConversationSnapshot(conversation, link.expiresAt);
        }
        const canvas = await this.repository.readCanvas(link.orgId, link.canvasId!);
        if (!canvas) throw gone();
        return toCanvasSnapshot(canvas, link.expiresAt);
      });
    });
  }

  /**
   * The target, if the caller may share it: 404 when they cannot read it (or it is a deleted
   * canvas), 403 when they read it (shared with the org) but did not make it.
   */
  private async sharedTarget(orgId: string, target: ShareTarget): Promise<ShareableRow> {
    const resource = target.conversationId ? 'Conversation' : 'Canvas';
    const row = target.conversationId
      ? await this.repository.findConversation(orgId, target.conversationId)
      : await this.repository.findCanvas(orgId, target.canvasId!);
    if (!row || row.deletedAt) throw AppException.notFound(resource);
    const caller = { userId: this.context.userId ?? null, role: this.context.tenant?.role ?? null };
    assertCreatorOwnedAccess(SHARED_BY_CREATOR, caller, row, 'share', resource);
    return row;
  }
}
