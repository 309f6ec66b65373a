-- The canvases plan limit counts every live canvas of the org, the members' PRIVATE and LINK ones
-- included, which the caller's row-level security hides. This definer returns the number only.
CREATE FUNCTION app_live_canvas_count() RETURNS bigint
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT count(*) FROM "canvases" c WHERE c."orgId" = app_current_org() AND c."deletedAt" IS NULL $$;
REVOKE EXECUTE ON FUNCTION app_live_canvas_count() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_live_canvas_count() TO orgbase_app;
