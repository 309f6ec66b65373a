import { randomUUID } from 'node:crypto';
import { uuidv7, type PrismaService } from '../../src/database/prisma.service';
import { randomToken, sha256 } from '../../src/common/crypto/tokens';
import type { MemberRole, OrgTier } from '../../src/generated/prisma/enums';
import type { TestApp } from '../support/test-app';

/** What the database-level factories need: a test app or a service module. */
export interface HasDatabase {
  prisma: PrismaService;
}

/** Data factories: each call makes distinct rows so tests never collide. */
export const unique = () => randomUUID().slice(0, 8);

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  /** Headers for supertest: `.set(user.auth)`. */
  auth: { Authorization: string };
}

/** Registers a user through the API. */
export async function signUp(
  t: TestApp,
  overrides: { email?: string; name?: string; password?: string } = {},
): Promise<TestUser> {
  const id = unique();
  const email = overrides.email ?? `user-${id}@example.test`;
  const password = overrides.password ?? `password-${id}`;
  const res = await t
    .http()
    .post('/v1/auth/register')
    .send({ email, password, name: overrides.name ?? `User ${id}` });
  if (res.status !== 201) throw new Error(`signUp failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    id: res.body.user.id,
    email,
    password,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    auth: { Authorization: `Bearer ${res.body.accessToken}` },
  };
}

/**
 * Prisma's default wait for a pooled connection is 2 s; tests that make rows in parallel on a
 * busy 2-core machine waited longer than that. The app itself waits 10 s (DbContext).
 */
const FACTORY_TX = { maxWait: 10_000 };

/**
 * A user made directly in the database, under their own email's scope as registration makes
 * them (for tests without HTTP; they have no password to sign in with).
 */
export async function createUser(t: HasDatabase, overrides: { email?: string; name?: string } = {}) {
  const id = unique();
  const email = overrides.email ?? `user-${id}@example.test`;
  return t.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT set_config('app.email', ${email}, true)`;
    return tx.user.create({
      data: { email, name: overrides.name ?? `User ${id}`, passwordHash: '!', emailVerifiedAt: new Date() },
      select: { id: true, email: true },
    });
  }, FACTORY_TX);
}

/** Inserts rows of one org as the app would: inside a transaction scoped to it (RLS). */
export function inOrg<T>(
  t: HasDatabase,
  orgId: string,
  work: (tx: Parameters<Parameters<PrismaService['$transaction']>[0]>[0]) => Promise<T>,
): Promise<T> {
  return t.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT set_config('app.org_id', ${orgId}, true)`;
    return work(tx);
  }, FACTORY_TX);
}

/**
 * An organization with `owner` as OWNER, made directly in the database the way the API makes it:
 * in its own RLS scope (so its id is made first), by the owner.
 */
export async function createOrg(
  t: HasDatabase,
  owner: { id: string },
  overrides: { name?: string; slug?: string; tier?: OrgTier } = {},
) {
  const tag = unique();
  const id = uuidv7();
  return t.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT set_config('app.org_id', ${id}, true), set_config('app.user_id', ${owner.id}, true)`;
    const org = await tx.organization.create({
      data: {
        id,
        name: overrides.name ?? `Org ${tag}`,
        slug: overrides.slug ?? `org-${tag}`,
        tier: overrides.tier ?? 'FREE',
        createdByUserId: owner.id,
      },
    });
    await tx.membership.create({ data: { orgId: id, userId: owner.id, role: 'OWNER' } });
    return org;
  }, FACTORY_TX);
}

export function addMember(t: HasDatabase, orgId: string, userId: string, role: MemberRole) {
  return inOrg(t, orgId, (tx) => tx.membership.create({ data: { orgId, userId, role } }));
}

/** A new user who is a member of `orgId` with `role`. */
export async function memberOf(t: TestApp, orgId: string, role: MemberRole): Promise<TestUser> {
  const user = await signUp(t);
  await addMember(t, orgId, user.id, role);
  return user;
}

/** An org with one member of each role, plus an outsider who belongs to another org. */
export async function orgWithEveryRole(t: TestApp) {
  const owner = await signUp(t);
  const org = await createOrg(t, owner);
  const [admin, editor, viewer] = await Promise.all([
    memberOf(t, org.id, 'ADMIN'),
    memberOf(t, org.id, 'EDITOR'),
    memberOf(t, org.id, 'VIEWER'),
  ]);
  const outsider = await signUp(t);
  const otherOrg = await createOrg(t, outsider);
  return { org, owner, admin, editor, viewer, outsider, otherOrg };
}

/** A service API key of the org with these scopes, made in the database: headers to call with it. */
export async function serviceApiKey(
  t: HasDatabase,
  orgId: string,
  scopes: string[],
): Promise<{ Authorization: string }> {
  const key = `ob_${randomToken(32)}`;
  await inOrg(t, orgId, (tx) =>
    tx.serviceApiKey.create({
      data: { orgId, name: `key-${unique()}`, prefix: key.slice(0, 11), keyHash: sha256(key), scopes },
    }),
  );
  return { Authorization: `Bearer ${key}` };
}
