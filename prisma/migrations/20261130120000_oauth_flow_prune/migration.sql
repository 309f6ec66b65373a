-- Sign-ins in progress are dead once their state and login code have expired; each new start
-- deletes those an hour past it (the app role sees no flow but its own, so a definer function).
-- A replayed state whose row is gone is refused as unknown, as an expired one is.
CREATE FUNCTION app_prune_oauth_flows() RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    WITH gone AS (
      DELETE FROM "oauth_flows"
      WHERE "expiresAt" < now() - interval '1 hour'
        AND ("codeExpiresAt" IS NULL OR "codeExpiresAt" < now() - interval '1 hour')
      RETURNING 1
    )
    SELECT count(*)::int FROM gone
  $$;
REVOKE EXECUTE ON FUNCTION app_prune_oauth_flows() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_prune_oauth_flows() TO orgbase_app;
