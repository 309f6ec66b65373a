import type { MemberRole } from '../../generated/prisma/enums';
import { AppException } from '../errors/app-exception';
import type { RequestContext } from './request-context';
import { hasRole } from './roles';

/**
 * Rows that belong to a user inside an organization (DESIGN.md "Tenancy"): conversations, canvases.
 * Who sees and changes them, in one place, matching the row-level security policies of the
 * structural_isolation migration (which stop a query that forgets these rules):
 *
 * | the row is                  | read                 | change (update, delete)               | share (change visibility) |
 * | --------------------------- | -------------------- | ------------------------------------- | ------------------------- |
 * | PRIVATE (creator only)      | its creator          | its creator                           | its creator               |
 * | ORG (visible to the org)    | every member, keys   | its creator, and `orgRowEditors`+     | its creator               |
 * | LINK (shared by link)       | its creator, and whoever presents the link (read only)    |                           |
 *
 * `orgRowEditors` is per table: EDITOR for canvases ("the creator edits their own, EDITOR+ edits
 * those visible to the org"), null for conversations (sharing is read-only). Everyone else gets 404
 * for rows they cannot read (their existence is not disclosed) and 403 for rows they read but may
 * not change. A service API key has no user: it reads what the org sees, changes org rows when the
 * table lets `orgRowEditors` do so (its `:write` scope stood for the role), and creates nothing.
 *
 * LINK: share links live in `share_links` (one row per link, the token's SHA-256, expiry and
 * revocation; migration chat_agents_canvases). With the token in the scope (app.token_hash), the
 * read policies of conversations (with messages, attachments) and canvases let a live link read
 * its target; the route that takes the link finds it by that hash and checks with `viaLink`.
 */
export type Visibility = 'PRIVATE' | 'ORG' | 'LINK';

/** The caller inside the current organization: a member (userId and role) or an API key (neither). */
export interface OwnedRowCaller {
  userId: string | null;
  role: MemberRole | null;
}

/** How a table says who made a row and whether the org sees it, as Prisma `where` clauses. */
export interface CreatorOwnedModel<Where> {
  /** The caller made the row. */
  createdBy(userId: string): Where;
  /** The whole organization sees the row. */
  visibleToOrg: Where;
  /** Lowest role that changes rows the org sees, besides their creator; null: only the creator. */
  orgRowEditors: MemberRole | null;
}

/** What the service knows of one row after reading it. */
export interface OwnedRow {
  createdByUserId: string | null;
  visibility: Visibility;
}

export type OwnedRowAction = 'read' | 'update' | 'delete' | 'share';

/** The caller of the current tenant request. */
export function ownedRowCaller(context: RequestContext): OwnedRowCaller {
  return { userId: context.userId ?? null, role: context.tenant?.role ?? null };
}

/** `where` for the rows the caller may read: their own and those the org sees. Add orgId next to it. */
export function readableWhere<W>(model: CreatorOwnedModel<W>, caller: OwnedRowCaller): { OR: W[] } {
  return { OR: caller.userId ? [model.createdBy(caller.userId), model.visibleToOrg] : [model.visibleToOrg] };
}

/** `where` for the rows the caller may update or delete: their own, and the org's when their role allows. */
export function writableWhere<W>(model: CreatorOwnedModel<W>, caller: OwnedRowCaller): { OR: W[] } {
  const own = caller.userId ? [model.createdBy(caller.userId)] : [];
  return { OR: editsOrgRows(model, caller) ? [...own, model.visibleToOrg] : own };
}

/** The creator of a new row: the signed-in caller. API keys create none (row-level security agrees). */
export function creatorOf(caller: OwnedRowCaller): string {
  if (!caller.userId) throw AppException.forbidden('Only a signed-in member can create this');
  return caller.userId;
}

/**
 * Checks one action on a row the service has read: 404 when the caller may not read it, 403 when
 * they read it but may not do this. `viaLink`: the caller presented the row's share link.
 */
export function assertCreatorOwnedAccess(
  model: Pick<CreatorOwnedModel<unknown>, 'orgRowEditors'>,
  caller: OwnedRowCaller,
  row: OwnedRow,
  action: OwnedRowAction,
  resource = 'Resource',
  options: { viaLink?: boolean } = {},
): void {
  const isCreator = caller.userId !== null && row.createdByUserId === caller.userId;
  const orgSees = row.visibility === 'ORG';
  const readable = isCreator || orgSees || (row.visibility === 'LINK' && options.viaLink === true);
  if (!readable) throw AppException.notFound(resource);
  if (action === 'read' || isCreator) return;
  if (action === 'share') throw AppException.forbidden('Only its creator can change who sees this');
  if (!orgSees || !editsOrgRows(model, caller)) {
    throw AppException.forbidden(
      model.orgRowEditors
        ? `Only its creator or an ${model.orgRowEditors} or higher can change this`
        : 'Only its creator can change this',
    );
  }
}

function editsOrgRows(model: Pick<CreatorOwnedModel<unknown>, 'orgRowEditors'>, caller: OwnedRowCaller): boolean {
  if (!model.orgRowEditors) return false;
  // An API key has no role: the route's `:write` scope was its permission.
  return caller.role === null ? caller.userId === null : hasRole(caller.role, model.orgRowEditors);
}
