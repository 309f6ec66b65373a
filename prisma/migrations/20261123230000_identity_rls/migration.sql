-- Row-level security on the identity tables (issue 6, point 4): organizations, users, sessions,
-- refresh_tokens, accounts, verification_tokens, user_profiles. Until now the app role could read
-- every user's passwordHash and every organization's flags with no context set.
--
-- Keyed on the settings the server already sets per transaction (see tenant_isolation):
--   app.user_id     the caller: their own identity rows, and the orgs they are an active member of
--   app.org_id      the current organization (after the tenant guard checked the caller's place in it)
--   app.email       a user by email before they are known (register, login, forgot-password),
--                   and the orgs whose pending invitations are addressed to that email
--   app.token_hash  a presented secret's SHA-256: its refresh token (and that token's session), its
--                   verification token, its API key's organization
-- plus one new setting, app.platform_admin = 'on', which only DbContext.asPlatformAdmin sets (called
-- by AdminService after AccessGuard checked the platform role). With no setting, nothing is visible.
--
-- passwordHash is not readable by the app role at all (column privileges): the login and
-- password-change flows get the one hash they need from app_password_hash().
--
-- The SECURITY DEFINER functions below run as the migrating user. In every setup of this project
-- (PGlite, CI, docker-compose) that user is a superuser, so they read past row-level security; each
-- one filters on its own and returns as little as its caller needs.

CREATE FUNCTION app_platform_admin() RETURNS boolean LANGUAGE sql STABLE
  AS $$ SELECT coalesce(current_setting('app.platform_admin', true), '') = 'on' $$;

ALTER TABLE "organizations" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "organizations" FORCE ROW LEVEL SECURITY;
ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "users" FORCE ROW LEVEL SECURITY;
ALTER TABLE "sessions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "sessions" FORCE ROW LEVEL SECURITY;
ALTER TABLE "refresh_tokens" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "refresh_tokens" FORCE ROW LEVEL SECURITY;
ALTER TABLE "accounts" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "accounts" FORCE ROW LEVEL SECURITY;
ALTER TABLE "verification_tokens" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "verification_tokens" FORCE ROW LEVEL SECURITY;
ALTER TABLE "user_profiles" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "user_profiles" FORCE ROW LEVEL SECURITY;

-- Organizations: read by the current org's request, by active members, by the addressee of a
-- pending invitation (their invitation list shows the org's name), by the holder of one of its API
-- keys (the key lookup reads deletedAt), and by platform admins. Created only in their own scope
-- (the service pre-generates the id) and by the caller it names as creator; changed only in their
-- own scope or by platform admins. No DELETE policy: organizations are soft-deleted.
CREATE POLICY organizations_read ON "organizations" FOR SELECT USING (
  "id" = app_current_org()
  OR EXISTS (SELECT 1 FROM "memberships" m
             WHERE m."orgId" = "organizations"."id" AND m."userId" = app_current_user() AND m."status" = 'ACTIVE')
  OR EXISTS (SELECT 1 FROM "invitations" i
             WHERE i."orgId" = "organizations"."id" AND i."status" = 'PENDING' AND lower(i."email") = app_current_email())
  OR EXISTS (SELECT 1 FROM "service_api_keys" k
             WHERE k."orgId" = "organizations"."id" AND k."keyHash" = app_current_token_hash())
  OR app_platform_admin()
);
CREATE POLICY organizations_insert ON "organizations" FOR INSERT
  WITH CHECK ("id" = app_current_org() AND ("createdByUserId" IS NULL OR "createdByUserId" = app_current_user()));
CREATE POLICY organizations_update ON "organizations" FOR UPDATE
  USING ("id" = app_current_org() OR app_platform_admin())
  WITH CHECK ("id" = app_current_org() OR app_platform_admin());

-- Users: a user reads their own row, or the row of the scope's email (before sign-in); platform
-- admins read all. Co-members' public fields come from app_org_member_profiles, not from this
-- table. A new row only under its own email (register); changes to one's own row or by platform
-- admins. No DELETE policy.
CREATE POLICY users_read ON "users" FOR SELECT
  USING ("id" = app_current_user() OR "email" = app_current_email() OR app_platform_admin());
CREATE POLICY users_insert ON "users" FOR INSERT WITH CHECK ("email" = app_current_email());
CREATE POLICY users_update ON "users" FOR UPDATE
  USING ("id" = app_current_user() OR app_platform_admin())
  WITH CHECK ("id" = app_current_user() OR app_platform_admin());

-- Sessions: their user's, or the one of the presented refresh token (refresh finds its user this
-- way, then widens to that user); platform admins read and revoke (suspension).
CREATE POLICY sessions_read ON "sessions" FOR SELECT USING (
  "userId" = app_current_user()
  OR EXISTS (SELECT 1 FROM "refresh_tokens" r
             WHERE r."sessionId" = "sessions"."id" AND r."tokenHash" = app_current_token_hash())
  OR app_platform_admin()
);
CREATE POLICY sessions_insert ON "sessions" FOR INSERT WITH CHECK ("userId" = app_current_user());
CREATE POLICY sessions_update ON "sessions" FOR UPDATE
  USING ("userId" = app_current_user() OR app_platform_admin())
  WITH CHECK ("userId" = app_current_user() OR app_platform_admin());
CREATE POLICY sessions_delete ON "sessions" FOR DELETE USING ("userId" = app_current_user());

-- Refresh tokens: only the one whose secret is presented (its hash is app.token_hash), also when
-- it is issued, and only into a session of the scope's user. Nothing else reads them. (These
-- policies must not look at sessions for reads: sessions_read looks at refresh_tokens.)
CREATE POLICY refresh_tokens_read ON "refresh_tokens" FOR SELECT USING ("tokenHash" = app_current_token_hash());
CREATE POLICY refresh_tokens_insert ON "refresh_tokens" FOR INSERT WITH CHECK (
  "tokenHash" = app_current_token_hash()
  AND EXISTS (SELECT 1 FROM "sessions" s WHERE s."id" = "sessionId" AND s."userId" = app_current_user())
);
CREATE POLICY refresh_tokens_update ON "refresh_tokens" FOR UPDATE
  USING ("tokenHash" = app_current_token_hash())
  WITH CHECK ("tokenHash" = app_current_token_hash());

-- Verification tokens: their user's, or the one whose secret is presented (verify-email and
-- reset-password run before the user is known); issued only to the scope's user.
CREATE POLICY verification_tokens_read ON "verification_tokens" FOR SELECT
  USING ("userId" = app_current_user() OR "tokenHash" = app_current_token_hash());
CREATE POLICY verification_tokens_insert ON "verification_tokens" FOR INSERT WITH CHECK ("userId" = app_current_user());
CREATE POLICY verification_tokens_update ON "verification_tokens" FOR UPDATE
  USING ("userId" = app_current_user() OR "tokenHash" = app_current_token_hash())
  WITH CHECK ("userId" = app_current_user() OR "tokenHash" = app_current_token_hash());
CREATE POLICY verification_tokens_delete ON "verification_tokens" FOR DELETE USING ("userId" = app_current_user());

-- Accounts and profiles: their user's only, for every command.
CREATE POLICY accounts_owner ON "accounts"
  USING ("userId" = app_current_user()) WITH CHECK ("userId" = app_current_user());
CREATE POLICY user_profiles_owner ON "user_profiles"
  USING ("userId" = app_current_user()) WITH CHECK ("userId" = app_current_user());

-- passwordHash: written by the app role (register, reset, change), never read by it.
REVOKE SELECT ON "users" FROM orgbase_app;
GRANT SELECT ("id", "email", "name", "emailVerifiedAt", "image", "platformRole", "suspendedAt", "createdAt", "updatedAt")
  ON "users" TO orgbase_app;

-- The hash of one user: the scope's user when app.user_id is set (password change), else the user
-- whose email is app.email (login). Never a list, never another column.
CREATE FUNCTION app_password_hash() RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT u."passwordHash" FROM "users" u
    WHERE CASE WHEN app_current_user() IS NOT NULL THEN u."id" = app_current_user()
               ELSE u."email" = app_current_email() END
  $$;

-- Whether a slug is taken by any organization (also soft-deleted ones): what the unique index
-- would say, without showing the organization. Org creation picks a free slug with it.
CREATE FUNCTION app_org_slug_taken(p_slug text) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT EXISTS (SELECT 1 FROM "organizations" o WHERE o."slug" = p_slug) $$;

-- Public fields (id, email, name) of the members of the current organization, for members lists,
-- audit entries and "is this email already a member". Only inside that org's scope: p_org must be
-- app.org_id. Optionally narrowed to some users or to one email.
CREATE FUNCTION app_org_member_profiles(p_org uuid, p_user_ids uuid[] DEFAULT NULL, p_email text DEFAULT NULL)
  RETURNS TABLE ("id" uuid, "email" text, "name" text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT u."id", u."email", u."name"
    FROM "memberships" m JOIN "users" u ON u."id" = m."userId"
    WHERE m."orgId" = p_org AND p_org = app_current_org()
      AND (p_user_ids IS NULL OR u."id" = ANY (p_user_ids))
      AND (p_email IS NULL OR lower(u."email") = lower(p_email))
  $$;

-- The authentication guard's session check in one round trip (like app_member_access): sets
-- app.user_id for its own statement, reads the live session and its unsuspended user under the
-- same row-level security as any query, and puts the previous value back. Not a definer: it grants
-- nothing the app role could not do itself.
CREATE FUNCTION app_session_principal(p_user uuid, p_session uuid)
  RETURNS TABLE ("email" text, "platformRole" "PlatformRole")
  LANGUAGE plpgsql VOLATILE
  AS $$
  DECLARE
    previous text := current_setting('app.user_id', true);
  BEGIN
    PERFORM set_config('app.user_id', p_user::text, true);
    RETURN QUERY
      SELECT u."email", u."platformRole"
      FROM "sessions" s JOIN "users" u ON u."id" = s."userId"
      WHERE s."id" = p_session AND s."userId" = p_user AND s."revokedAt" IS NULL
        AND s."expiresAt" > now() AND u."suspendedAt" IS NULL;
    PERFORM set_config('app.user_id', coalesce(previous, ''), true);
  END
  $$;

REVOKE EXECUTE ON FUNCTION app_password_hash(), app_org_slug_taken(text),
  app_org_member_profiles(uuid, uuid[], text), app_session_principal(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_password_hash(), app_org_slug_taken(text),
  app_org_member_profiles(uuid, uuid[], text), app_session_principal(uuid, uuid), app_platform_admin() TO orgbase_app;

-- Migration bookkeeping: the app role may read it (names and checksums, no tenant or user data) but
-- not rewrite the history. The table is missing where the engine applies scripts without it (a
-- shadow database).
DO $$
BEGIN
  IF to_regclass('"_prisma_migrations"') IS NOT NULL THEN
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "_prisma_migrations" FROM orgbase_app;
  END IF;
END
$$;
