import { createOrg, memberOf, signUp, unique, type TestUser } from '../../factories';
import { knownScopes } from '../../../src/common/features/feature';
import type { SmtpSink } from '../../support/smtp-sink';
import type { TestApp } from '../../support/test-app';

/** Who calls: each fuzzed request is sent as each of these (anonymous sends no credentials). */
export type Caller = 'anonymous' | 'owner' | 'viewer' | 'apiKey' | 'platformAdmin';

/**
 * Real rows for every path parameter, so the fuzz reaches the handlers, and the same kind of row
 * in another organization, so it also asks for what the caller may not see.
 */
export interface Fixtures {
  orgId: string;
  credentials: Record<Exclude<Caller, 'anonymous'>, string>;
  /** Path parameter values by name: [ours, another org's]. */
  ids: Record<string, [string, string]>;
  /** Values for body fields that name a row (a uuid field is otherwise a random id). */
  bodyValues: Record<string, unknown>;
  /** Everything secret the fixtures hold; none may appear in the log. */
  secrets: string[];
}

async function post(t: TestApp, user: TestUser, url: string, body: object): Promise<Record<string, string>> {
  const res = await t.http().post(url).set(user.auth).send(body);
  if (res.status !== 201) throw new Error(`fixture ${url}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, string>;
}

async function sessionOf(t: TestApp, user: TestUser): Promise<string> {
  const res = await t.http().get('/v1/auth/sessions').set(user.auth).expect(200);
  return (res.body as { data: { id: string }[] }).data[0]!.id;
}

/** One org in which every row kind exists, another org (an outsider's) with the same, and the callers. */
export async function makeFixtures(t: TestApp, mail: SmtpSink): Promise<Fixtures> {
  const owner = await signUp(t);
  const org = await createOrg(t, owner, { tier: 'ENTERPRISE' });
  const [viewer, member, outsider, admin, target] = await Promise.all([
    memberOf(t, org.id, 'VIEWER'),
    memberOf(t, org.id, 'EDITOR'),
    signUp(t),
    signUp(t),
    signUp(t),
  ]);
  const otherOrg = await createOrg(t, outsider);
  await t.asOwner((db) => db.query(`UPDATE users SET "platformRole" = 'ADMIN' WHERE id = $1`, [admin.id]));

  const scopes = knownScopes();
  const base = `/v1/orgs/${org.id}`;
  const otherBase = `/v1/orgs/${otherOrg.id}`;
  const key = await post(t, owner, `${base}/api-keys`, { name: `fuzz ${unique()}`, scopes });
  const spareKey = await post(t, owner, `${base}/api-keys`, { name: `spare ${unique()}`, scopes });
  const otherKey = await post(t, outsider, `${otherBase}/api-keys`, { name: 'other', scopes });
  const variable = await post(t, owner, `${base}/variables`, { key: `fuzz_${unique()}`, value: 'v' });
  const otherVariable = await post(t, outsider, `${otherBase}/variables`, { key: 'other', value: 'v' });
  const invited = `invited-${unique()}@example.test`;
  const invitation = await post(t, owner, `${base}/invitations`, { email: invited, role: 'VIEWER' });
  const otherInvitation = await post(t, outsider, `${otherBase}/invitations`, {
    email: `other-${unique()}@example.test`,
    role: 'VIEWER',
  });
  const invitationToken = /[?&]token=([A-Za-z0-9_-]+)/.exec((await mail.next(invited)).text)?.[1] ?? 'no-token';

  const users = [owner, viewer, member, outsider, admin, target];
  return {
    orgId: org.id,
    credentials: {
      owner: owner.accessToken,
      viewer: viewer.accessToken,
      apiKey: key.key!,
      platformAdmin: admin.accessToken,
    },
    ids: {
      orgId: [org.id, otherOrg.id],
      variableId: [variable.id!, otherVariable.id!],
      invitationId: [invitation.id!, otherInvitation.id!],
      apiKeyId: [spareKey.id!, otherKey.id!],
      // Members routes act on the editor; admin routes on a user of their own.
      userId: [member.id, outsider.id],
      adminUserId: [target.id, outsider.id],
      sessionId: [await sessionOf(t, owner), await sessionOf(t, outsider)],
    },
    bodyValues: { orgId: org.id, userId: member.id, token: invitationToken },
    secrets: [
      ...users.flatMap((user) => [user.password, user.accessToken, user.refreshToken]),
      key.key!,
      spareKey.key!,
      otherKey.key!,
      invitationToken,
    ],
  };
}
