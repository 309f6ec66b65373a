-- AlterTable
ALTER TABLE "users" ADD COLUMN     "deletedAt" TIMESTAMPTZ(3);

-- ---------------------------------------------------------------- hand-written: account deletion (issue 7)
-- DELETE /v1/me and DELETE /v1/admin/users/{userId} erase an account in one transaction through
-- app_erase_user() below. The user row stays (audit entries keep their actor id), anonymised:
-- deletedAt set, email scrubbed to deleted+<id>@invalid (so the address can register again), name,
-- image and password cleared. Their sessions, tokens, linked accounts, profile, memberships,
-- conversations (with their messages) and private canvases are deleted; the org-visible canvases
-- stay with their org without a creator; invitations addressed to the old email lose the address.

-- SELECT on users is granted column by column (identity_rls): the new column too.
GRANT SELECT ("deletedAt") ON "users" TO orgbase_app;

-- Columns the app role may change, and no others. Not email (no route changes it; a user who could
-- would take over invitations addressed to someone else), not deletedAt (only app_erase_user sets
-- it, together with the erasure), not id or createdAt. platformRole and suspendedAt are granted
-- but guarded by the trigger below.
REVOKE UPDATE ON "users" FROM orgbase_app;
GRANT UPDATE ("name", "passwordHash", "emailVerifiedAt", "image", "platformRole", "suspendedAt", "updatedAt")
  ON "users" TO orgbase_app;

-- users_update lets a user change their own row, so until now the app role could make its own user
-- a platform admin or lift its own suspension. Only platform administration (app.platform_admin,
-- set by DbContext.asPlatformAdmin) may change those two columns; owner-run definer functions are
-- not the app role and pass.
CREATE FUNCTION app_users_guard_privileged_columns() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    IF current_user = 'orgbase_app' AND NOT app_platform_admin() THEN
      RAISE EXCEPTION 'platformRole and suspendedAt change only under platform administration'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER users_privileged_columns
  BEFORE UPDATE OF "platformRole", "suspendedAt" ON "users"
  FOR EACH ROW
  WHEN (OLD."platformRole" IS DISTINCT FROM NEW."platformRole" OR OLD."suspendedAt" IS DISTINCT FROM NEW."suspendedAt")
  EXECUTE FUNCTION app_users_guard_privileged_columns();

-- Whether the scope may act on this user's account: it is the user's own scope, or platform administration.
CREATE FUNCTION app_may_manage_user(p_user uuid) RETURNS boolean LANGUAGE sql STABLE
  AS $$ SELECT coalesce(p_user = app_current_user(), false) OR app_platform_admin() $$;

-- The live organizations of which the user is the only active OWNER (an account cannot be deleted
-- while there is one). Locks the owner memberships of every org the user owns, as
-- MembersRepository.lockActiveOwnerIds does, so the other owner cannot leave or be demoted before
-- this transaction ends. A definer: the other owners' memberships are outside the user's scope.
CREATE FUNCTION app_user_sole_owner_orgs(p_user uuid)
  RETURNS TABLE ("id" uuid, "name" text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  BEGIN
    IF NOT app_may_manage_user(p_user) THEN
      RAISE EXCEPTION 'only the user or platform administration may do this' USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM 1 FROM "memberships" m
      WHERE m."role" = 'OWNER' AND m."status" = 'ACTIVE'
        AND m."orgId" IN (SELECT o."orgId" FROM "memberships" o
                          WHERE o."userId" = p_user AND o."role" = 'OWNER' AND o."status" = 'ACTIVE')
      ORDER BY m."id"
      FOR UPDATE;
    RETURN QUERY
      SELECT org."id", org."name"
      FROM "memberships" mine JOIN "organizations" org ON org."id" = mine."orgId"
      WHERE mine."userId" = p_user AND mine."role" = 'OWNER' AND mine."status" = 'ACTIVE' AND org."deletedAt" IS NULL
        AND NOT EXISTS (SELECT 1 FROM "memberships" other
                        WHERE other."orgId" = mine."orgId" AND other."userId" <> p_user
                          AND other."role" = 'OWNER' AND other."status" = 'ACTIVE')
      ORDER BY org."name", org."id";
  END
  $$;

-- Erases the account in every organization at once (its rows there are outside any one org's
-- scope) and returns the memberships it ended, for the audit entries. Only for the user's own scope
-- or platform administration, never for the last owner of a live org, and a no-op (no rows) for an
-- unknown or already deleted user.
CREATE FUNCTION app_erase_user(p_user uuid)
  RETURNS TABLE ("orgId" uuid, "role" "MemberRole", "status" "MembershipStatus")
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  DECLARE
    old_email text;
    placeholder text := 'deleted+' || p_user::text || '@invalid';
  BEGIN
    IF NOT app_may_manage_user(p_user) THEN
      RAISE EXCEPTION 'only the user or platform administration may do this' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT u."email" INTO old_email FROM "users" u WHERE u."id" = p_user AND u."deletedAt" IS NULL FOR UPDATE;
    IF NOT FOUND THEN
      RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM app_user_sole_owner_orgs(p_user)) THEN
      RAISE EXCEPTION 'the user is the last active owner of an organization' USING ERRCODE = 'restrict_violation';
    END IF;

    -- Every way to act as the user: sessions (refresh tokens cascade), so access tokens fail the
    -- session check at once; mailed links; linked identity providers; the profile.
    DELETE FROM "sessions" s WHERE s."userId" = p_user;
    DELETE FROM "verification_tokens" v WHERE v."userId" = p_user;
    DELETE FROM "accounts" a WHERE a."userId" = p_user;
    DELETE FROM "user_profiles" p WHERE p."userId" = p_user;

    -- Their own data: conversations are theirs even when shared (messages cascade); private
    -- canvases (versions cascade).
    DELETE FROM "conversations" c WHERE c."userId" = p_user;
    DELETE FROM "canvases" c WHERE c."createdByUserId" = p_user AND c."visibility" = 'PRIVATE';

    -- What their organizations keep, without them: org-visible canvases lose their creator; the
    -- invitations addressed to them lose the address, and pending ones are revoked.
    UPDATE "canvases" c SET "createdByUserId" = NULL WHERE c."createdByUserId" = p_user;
    UPDATE "invitations" i
      SET "email" = placeholder,
          "status" = CASE WHEN i."status" = 'PENDING' THEN 'REVOKED'::"InvitationStatus" ELSE i."status" END,
          "respondedAt" = CASE WHEN i."status" = 'PENDING' THEN now() ELSE i."respondedAt" END,
          "updatedAt" = now()
      WHERE lower(i."email") = lower(old_email);

    RETURN QUERY
      DELETE FROM "memberships" m WHERE m."userId" = p_user RETURNING m."orgId", m."role", m."status";

    UPDATE "users" u
      SET "email" = placeholder, "name" = 'Deleted user', "passwordHash" = NULL, "image" = NULL,
          "emailVerifiedAt" = NULL, "platformRole" = 'USER', "deletedAt" = now(), "updatedAt" = now()
      WHERE u."id" = p_user;
  END
  $$;

-- The session check also refuses a deleted user (their sessions are gone already; this holds if
-- one were ever left behind).
CREATE OR REPLACE FUNCTION app_session_principal(p_user uuid, p_session uuid)
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
        AND s."expiresAt" > now() AND u."suspendedAt" IS NULL AND u."deletedAt" IS NULL;
    PERFORM set_config('app.user_id', coalesce(previous, ''), true);
  END
  $$;

REVOKE EXECUTE ON FUNCTION app_user_sole_owner_orgs(uuid), app_erase_user(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_may_manage_user(uuid), app_user_sole_owner_orgs(uuid), app_erase_user(uuid)
  TO orgbase_app;
