import { Injectable } from '@nestjs/common';
import { keyset, TIME_CURSOR, type Cursor } from '../../common/pagination/pagination';
import type { Visibility } from '../../common/tenancy/creator-owned';
import { DbContext } from '../../database/db-context';
import type { ShareLink } from '../../generated/prisma/client';
import type { OrgTier } from '../../generated/prisma/enums';
import { AuditedWrites } from '../audit/audited-writes';

export type ShareLinkRow = ShareLink;
/** What a link shares: one conversation or one canvas. */
export type ShareTarget =
  { conversationId: string; canvasId?: undefined } | { canvasId: string; conversationId?: undefined };

/** A link's target as its sharer sees it (the creator-owned rule decides who may share it). */
export interface ShareableRow {
  createdByUserId: string | null;
  visibility: Visibility;
  deletedAt: Date | null;
}

/** The organization of a link, for its flags (chat, sharedLinksRequireSignIn). */
export interface LinkOrgRow {
  tier: OrgTier;
  featureFlags: unknown;
}

export interface SharedConversationRow {
  title: string;
  model: string | null;
  createdAt: Date;
  updatedAt: Date;
  messages: {
    id: string;
    parentId: string | null;
    role: string;
    content: string;
    model: string | null;
    incomplete: boolean;
    createdAt: Date;
  }[];
}

export interface SharedCanvasRow {
  name: string;
  description: string | null;
  data: unknown;
  modelVersion: number | null;
  model: { name: string } | null;
  updatedAt: Date;
}

/** The most messages a shared conversation shows (oldest first). */
export const SHARED_MESSAGES_MAX = 1000;

export const SHARE_LINK_ORDER = TIME_CURSOR;

/** What enters the audit log of a link: never its token hash. */
const auditView = ({ tokenHash: _hash, ...link }: ShareLinkRow) => link;

/**
 * Share links of conversations and canvases. The creator's reads and writes run in the request's
 * scope (RLS: a link is its creator's); the public route's run in a scope carrying the token's
 * hash (`app.token_hash`), which finds the link without an org and, with its org, reads its target.
 */
@Injectable()
export class ShareLinksRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  async findConversation(orgId: string, id: string): Promise<ShareableRow | null> {
    const row = await this.db.client.conversation.findFirst({
      where: { orgId, id },
      select: { userId: true, sharedWithOrg: true },
    });
    return row && { createdByUserId: row.userId, visibility: row.sharedWithOrg ? 'ORG' : 'PRIVATE', deletedAt: null };
  }

  findCanvas(orgId: string, id: string): Promise<ShareableRow | null> {
    return this.db.client.canvas.findFirst({
      where: { orgId, id },
      select: { createdByUserId: true, visibility: true, deletedAt: true },
    });
  }

  create(
    orgId: string,
    target: ShareTarget,
    link: { tokenHash: string; expiresAt: Date | null },
    createdByUserId: string,
  ): Promise<ShareLinkRow> {
    return this.audited.create(
      'share_link',
      () => this.db.client.shareLink.create({ data: { orgId, ...target, ...link, createdByUserId } }),
      { view: auditView },
    );
  }

  /** The caller's links to the target (RLS: links are their creator's), newest first. */
  list(
    orgId: string,
    target: ShareTarget,
    userId: string,
    options: { take: number; after?: Cursor<typeof SHARE_LINK_ORDER> },
  ): Promise<ShareLinkRow[]> {
    const page = keyset(SHARE_LINK_ORDER, 'desc', options.after);
    return this.db.client.shareLink.findMany({
      where: { orgId, ...target, createdByUserId: userId, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  findById(orgId: string, id: string, userId: string): Promise<ShareLinkRow | null> {
    return this.db.client.shareLink.findFirst({ where: { orgId, id, createdByUserId: userId } });
  }

  /** Sets revokedAt on a live link of the caller's; null when there is none (or it is revoked already). */
  revoke(orgId: string, id: string, userId: string): Promise<ShareLinkRow | null> {
    return this.audited.update(
      'share_link',
      async () => {
        await this.db.client
          .$executeRaw`SELECT 1 FROM share_links WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
        return this.db.client.shareLink.findFirst({ where: { orgId, id, createdByUserId: userId, revokedAt: null } });
      },
      () => this.db.client.shareLink.update({ where: { id, orgId }, data: { revokedAt: new Date() } }),
      { action: 'share_link.revoked', view: auditView },
    );
  }

  /** The link a token's hash names; the scope must carry that hash (RLS), not an org. */
  findByTokenHash(tokenHash: string): Promise<ShareLinkRow | null> {
    return this.db.client.shareLink.findUnique({ where: { tokenHash } });
  }

  /** The link's organization, unless deleted (the scope carries its org). */
  findOrg(orgId: string): Promise<LinkOrgRow | null> {
    return this.db.client.organization.findFirst({
      where: { id: orgId, deletedAt: null },
      select: { tier: true, featureFlags: true },
    });
  }

  /** The shared conversation and its messages, as a live link in the scope lets one read them. */
  readConversation(orgId: string, id: string): Promise<SharedConversationRow | null> {
    return this.db.client.conversation.findFirst({
      where: { orgId, id },
      select: {
        title: true,
        model: true,
        createdAt: true,
        updatedAt: true,
        messages: {
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: SHARED_MESSAGES_MAX,
          select: {
            id: true,
            parentId: true,
            role: true,
            content: true,
            model: true,
            incomplete: true,
            createdAt: true,
          },
        },
      },
    });
  }

  /** The shared canvas while it is live and not PRIVATE (RLS hides a PRIVATE one from a link). */
  readCanvas(orgId: string, id: string): Promise<SharedCanvasRow | null> {
    return this.db.client.canvas.findFirst({
      where: { orgId, id, deletedAt: null },
      select: {
        name: true,
        description: true,
        data: true,
        modelVersion: true,
        model: { select: { name: true } },
        updatedAt: true,
      },
    });
  }
}
