import { randomUUID } from 'node:crypto';
import type { PrismaService } from '../../src/database/prisma.service';
import type { MemberRole, OrgTier } from '../../src/generated/prisma/client';

/** Data factories: each call makes distinct rows so tests never collide. */
const unique = () => randomUUID().slice(0, 8);

export function createUser(
  prisma: PrismaService,
  overrides: { email?: string; name?: string; passwordHash?: string } = {},
) {
  const id = unique();
  return prisma.user.create({
    data: {
      email: overrides.email ?? `user-${id}@example.test`,
      name: overrides.name ?? `User ${id}`,
      passwordHash: overrides.passwordHash,
    },
  });
}

export function createOrganization(
  prisma: PrismaService,
  overrides: { name?: string; slug?: string; tier?: OrgTier } = {},
) {
  const id = unique();
  return prisma.organization.create({
    data: { name: overrides.name ?? `Org ${id}`, slug: overrides.slug ?? `org-${id}`, tier: overrides.tier ?? 'FREE' },
  });
}

export function createMembership(prisma: PrismaService, orgId: string, userId: string, role: MemberRole = 'VIEWER') {
  return prisma.membership.create({ data: { orgId, userId, role } });
}
