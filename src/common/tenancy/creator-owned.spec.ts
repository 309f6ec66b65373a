import type { MemberRole } from '../../generated/prisma/enums';
import { AppException } from '../errors/app-exception';
import {
  assertCreatorOwnedAccess,
  creatorOf,
  readableWhere,
  writableWhere,
  type CreatorOwnedModel,
  type OwnedRow,
  type OwnedRowAction,
  type OwnedRowCaller,
} from './creator-owned';

type Where = Record<string, unknown>;
// The two shapes the schema has: canvases (EDITOR+ edits org rows) and conversations (read-only sharing).
const canvases: CreatorOwnedModel<Where> = {
  createdBy: (userId) => ({ createdByUserId: userId }),
  visibleToOrg: { visibility: 'ORG' },
  orgRowEditors: 'EDITOR',
};
const conversations: CreatorOwnedModel<Where> = {
  createdBy: (userId) => ({ userId }),
  visibleToOrg: { sharedWithOrg: true },
  orgRowEditors: null,
};

const member = (userId: string, role: MemberRole): OwnedRowCaller => ({ userId, role });
const apiKey: OwnedRowCaller = { userId: null, role: null };

/** The status the check answers with: 200 (allowed), 403 or 404. */
function outcome(
  model: CreatorOwnedModel<Where>,
  caller: OwnedRowCaller,
  row: OwnedRow,
  action: OwnedRowAction,
  viaLink = false,
): number {
  try {
    assertCreatorOwnedAccess(model, caller, row, action, 'Canvas', { viaLink });
    return 200;
  } catch (error) {
    return (error as AppException).status;
  }
}

const ACTIONS: OwnedRowAction[] = ['read', 'update', 'delete', 'share'];
const statuses = (model: CreatorOwnedModel<Where>, caller: OwnedRowCaller, row: OwnedRow, viaLink = false) =>
  ACTIONS.map((action) => outcome(model, caller, row, action, viaLink));

describe('creator-owned rows', () => {
  const privateRow: OwnedRow = { createdByUserId: 'ada', visibility: 'PRIVATE' };
  const orgRow: OwnedRow = { createdByUserId: 'ada', visibility: 'ORG' };
  const linkRow: OwnedRow = { createdByUserId: 'ada', visibility: 'LINK' };
  const orphanRow: OwnedRow = { createdByUserId: null, visibility: 'ORG' };

  it('lets the creator do everything with their rows, whatever their role', () => {
    for (const row of [privateRow, orgRow, linkRow]) {
      expect(statuses(canvases, member('ada', 'VIEWER'), row)).toEqual([200, 200, 200, 200]);
      expect(statuses(conversations, member('ada', 'VIEWER'), row)).toEqual([200, 200, 200, 200]);
    }
  });

  it('hides a private row from every other member, the owner included, and from API keys (404)', () => {
    for (const caller of [member('bob', 'OWNER'), member('bob', 'VIEWER'), apiKey]) {
      expect(statuses(canvases, caller, privateRow)).toEqual([404, 404, 404, 404]);
      expect(statuses(canvases, caller, linkRow)).toEqual([404, 404, 404, 404]);
    }
  });

  it('lets the org read an ORG row; EDITOR+ change an ORG canvas; only the creator shares it', () => {
    expect(statuses(canvases, member('bob', 'VIEWER'), orgRow)).toEqual([200, 403, 403, 403]);
    expect(statuses(canvases, member('bob', 'EDITOR'), orgRow)).toEqual([200, 200, 200, 403]);
    expect(statuses(canvases, member('bob', 'OWNER'), orgRow)).toEqual([200, 200, 200, 403]);
    expect(statuses(canvases, apiKey, orgRow)).toEqual([200, 200, 200, 403]);
    // Once the creator's account is deleted the canvas is the org's: editable, never private again.
    expect(statuses(canvases, member('bob', 'EDITOR'), orphanRow)).toEqual([200, 200, 200, 403]);
  });

  it('keeps a shared conversation read-only to everyone but its creator', () => {
    for (const caller of [member('bob', 'OWNER'), member('bob', 'VIEWER'), apiKey]) {
      expect(statuses(conversations, caller, orgRow)).toEqual([200, 403, 403, 403]);
    }
  });

  it('lets whoever presents the link read a LINK row, and nothing more', () => {
    expect(statuses(canvases, member('bob', 'OWNER'), linkRow, true)).toEqual([200, 403, 403, 403]);
    expect(statuses(canvases, apiKey, linkRow, true)).toEqual([200, 403, 403, 403]);
    expect(statuses(canvases, member('bob', 'OWNER'), privateRow, true)).toEqual([404, 404, 404, 404]);
  });

  it('builds the same rules as where clauses for lists and guarded writes', () => {
    expect(readableWhere(canvases, member('ada', 'VIEWER'))).toEqual({
      OR: [{ createdByUserId: 'ada' }, { visibility: 'ORG' }],
    });
    expect(readableWhere(canvases, apiKey)).toEqual({ OR: [{ visibility: 'ORG' }] });
    expect(writableWhere(canvases, member('ada', 'VIEWER'))).toEqual({ OR: [{ createdByUserId: 'ada' }] });
    expect(writableWhere(canvases, member('ada', 'EDITOR'))).toEqual({
      OR: [{ createdByUserId: 'ada' }, { visibility: 'ORG' }],
    });
    expect(writableWhere(canvases, apiKey)).toEqual({ OR: [{ visibility: 'ORG' }] });
    expect(writableWhere(conversations, member('ada', 'OWNER'))).toEqual({ OR: [{ userId: 'ada' }] });
    // An API key changes no conversation: an empty OR matches nothing.
    expect(writableWhere(conversations, apiKey)).toEqual({ OR: [] });
  });

  it('makes the signed-in caller the creator of a new row; an API key creates none', () => {
    expect(creatorOf(member('ada', 'VIEWER'))).toBe('ada');
    expect(() => creatorOf(apiKey)).toThrow(AppException);
  });
});
