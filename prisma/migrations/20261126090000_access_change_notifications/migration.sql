-- The guards cache who may call (sessions, memberships, API keys, org plans) for a few seconds.
-- Every change that could revoke or narrow that access announces itself on the channel
-- `orgbase_access`, from the database itself, so a code path that forgets to invalidate cannot
-- leave a stale grant: each server instance LISTENs and drops the entries named. NOTIFY is
-- transactional: a rolled-back change announces nothing, a committed one after its commit.
-- Payload: <kind>:<id>[:<id>] with kind session (user, session), user, member (org, user),
-- org, apikey. Inserts grant nothing that was cached, so only updates and deletes announce.
CREATE FUNCTION app_announce_access_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    changed jsonb := to_jsonb(coalesce(NEW, OLD));
    payload text := TG_ARGV[0];
    column_index int;
  BEGIN
    FOR column_index IN 1 .. TG_NARGS - 1 LOOP
      payload := payload || ':' || (changed ->> TG_ARGV[column_index]);
    END LOOP;
    PERFORM pg_notify('orgbase_access', payload);
    RETURN NULL;
  END
  $$;

CREATE TRIGGER "sessions_announce_access_change"
  AFTER UPDATE OF "revokedAt", "expiresAt", "userId" OR DELETE ON "sessions"
  FOR EACH ROW EXECUTE FUNCTION app_announce_access_change('session', 'userId', 'id');

CREATE TRIGGER "users_announce_access_change"
  AFTER UPDATE OF "suspendedAt", "deletedAt", "email", "platformRole" OR DELETE ON "users"
  FOR EACH ROW EXECUTE FUNCTION app_announce_access_change('user', 'id');

CREATE TRIGGER "memberships_announce_access_change"
  AFTER UPDATE OF "role", "status", "orgId", "userId" OR DELETE ON "memberships"
  FOR EACH ROW EXECUTE FUNCTION app_announce_access_change('member', 'orgId', 'userId');

CREATE TRIGGER "organizations_announce_access_change"
  AFTER UPDATE OF "deletedAt", "featureFlags", "tier", "limits" OR DELETE ON "organizations"
  FOR EACH ROW EXECUTE FUNCTION app_announce_access_change('org', 'id');

CREATE TRIGGER "service_api_keys_announce_access_change"
  AFTER UPDATE OF "revokedAt", "expiresAt", "scopes", "rateLimitPerMinute", "keyHash", "orgId" OR DELETE
  ON "service_api_keys"
  FOR EACH ROW EXECUTE FUNCTION app_announce_access_change('apikey', 'id');

-- The session principal now says until when the session lives, so a cached entry never outlives it.
DROP FUNCTION app_session_principal(uuid, uuid);
CREATE FUNCTION app_session_principal(p_user uuid, p_session uuid)
  RETURNS TABLE ("email" text, "platformRole" "PlatformRole", "expiresAt" timestamptz)
  LANGUAGE plpgsql VOLATILE
  AS $$
  DECLARE
    previous text := current_setting('app.user_id', true);
  BEGIN
    PERFORM set_config('app.user_id', p_user::text, true);
    RETURN QUERY
      SELECT u."email", u."platformRole", s."expiresAt"::timestamptz
      FROM "sessions" s JOIN "users" u ON u."id" = s."userId"
      WHERE s."id" = p_session AND s."userId" = p_user AND s."revokedAt" IS NULL
        AND s."expiresAt" > now() AND u."suspendedAt" IS NULL AND u."deletedAt" IS NULL;
    PERFORM set_config('app.user_id', coalesce(previous, ''), true);
  END
  $$;
REVOKE EXECUTE ON FUNCTION app_session_principal(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_session_principal(uuid, uuid) TO orgbase_app;
