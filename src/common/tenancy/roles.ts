import type { MemberRole } from '../../generated/prisma/enums';

/** Highest first: OWNER > ADMIN > EDITOR > VIEWER. */
export const ROLE_RANK: Record<MemberRole, number> = { OWNER: 4, ADMIN: 3, EDITOR: 2, VIEWER: 1 };

export function hasRole(actual: MemberRole, required: MemberRole): boolean {
  return ROLE_RANK[actual] >= ROLE_RANK[required];
}
