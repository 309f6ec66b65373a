-- Tenant isolation, layer 3 (DESIGN.md "Tenancy"): row-level security on every tenant table,
-- keyed on per-transaction settings the server sets with set_config(..., true):
--   app.org_id      the organization of the request
--   app.user_id     the caller (sees their own memberships in every org)
--   app.token_hash  a presented secret's SHA-256 (finds its API key or invitation)
--   app.email       the caller's email (finds invitations addressed to them)
-- With none set, a query sees no tenant rows. The server connects as orgbase_app, which does
-- not bypass RLS, and FORCE applies the policies to the tables' owner too.
--
-- No statement here has a semicolon inside a quoted body: some Prisma tooling (the driver
-- adapters' executeScript, used by offline schema engines) splits scripts on every semicolon, comments included.

CREATE FUNCTION app_current_org() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('app.org_id', true), '')::uuid $$;
CREATE FUNCTION app_current_user() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;
CREATE FUNCTION app_current_token_hash() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('app.token_hash', true), '') $$;
CREATE FUNCTION app_current_email() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(lower(current_setting('app.email', true)), '') $$;

ALTER TABLE "memberships" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "memberships" FORCE ROW LEVEL SECURITY;
ALTER TABLE "invitations" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "invitations" FORCE ROW LEVEL SECURITY;
ALTER TABLE "service_api_keys" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "service_api_keys" FORCE ROW LEVEL SECURITY;
ALTER TABLE "provider_keys" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "provider_keys" FORCE ROW LEVEL SECURITY;
ALTER TABLE "audit_logs" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "audit_logs" FORCE ROW LEVEL SECURITY;
ALTER TABLE "prompts" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "prompts" FORCE ROW LEVEL SECURITY;
ALTER TABLE "prompt_versions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "prompt_versions" FORCE ROW LEVEL SECURITY;
ALTER TABLE "variables" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "variables" FORCE ROW LEVEL SECURITY;
ALTER TABLE "scenarios" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "scenarios" FORCE ROW LEVEL SECURITY;
ALTER TABLE "scenario_turns" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "scenario_turns" FORCE ROW LEVEL SECURITY;
ALTER TABLE "scenario_expectations" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "scenario_expectations" FORCE ROW LEVEL SECURITY;
ALTER TABLE "scenario_versions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "scenario_versions" FORCE ROW LEVEL SECURITY;
ALTER TABLE "scenario_suites" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "scenario_suites" FORCE ROW LEVEL SECURITY;
ALTER TABLE "scenario_suite_items" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "scenario_suite_items" FORCE ROW LEVEL SECURITY;
ALTER TABLE "conversations" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "conversations" FORCE ROW LEVEL SECURITY;
ALTER TABLE "messages" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "messages" FORCE ROW LEVEL SECURITY;
ALTER TABLE "agents" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "agents" FORCE ROW LEVEL SECURITY;
ALTER TABLE "agent_versions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "agent_versions" FORCE ROW LEVEL SECURITY;
ALTER TABLE "executions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "executions" FORCE ROW LEVEL SECURITY;
ALTER TABLE "canvas_models" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "canvas_models" FORCE ROW LEVEL SECURITY;
ALTER TABLE "canvas_model_versions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "canvas_model_versions" FORCE ROW LEVEL SECURITY;
ALTER TABLE "canvases" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "canvases" FORCE ROW LEVEL SECURITY;
ALTER TABLE "canvas_versions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "canvas_versions" FORCE ROW LEVEL SECURITY;
ALTER TABLE "hosts" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "hosts" FORCE ROW LEVEL SECURITY;
ALTER TABLE "ssh_connections" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ssh_connections" FORCE ROW LEVEL SECURITY;
ALTER TABLE "git_providers" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "git_providers" FORCE ROW LEVEL SECURITY;
ALTER TABLE "repositories" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "repositories" FORCE ROW LEVEL SECURITY;

-- Org-owned rows: visible and writable only inside their organization.
CREATE POLICY tenant_isolation ON "provider_keys" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "prompts" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "prompt_versions" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "variables" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "scenarios" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "scenario_turns" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "scenario_expectations" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "scenario_versions" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "scenario_suites" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "scenario_suite_items" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "conversations" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "messages" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "agents" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "agent_versions" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "executions" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "canvas_models" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "canvas_model_versions" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "canvases" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "canvas_versions" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "hosts" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "ssh_connections" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "git_providers" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
CREATE POLICY tenant_isolation ON "repositories" USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());

CREATE POLICY tenant_isolation ON "memberships"
  USING ("orgId" = app_current_org() OR "userId" = app_current_user())
  WITH CHECK ("orgId" = app_current_org());

CREATE POLICY tenant_isolation ON "invitations"
  USING ("orgId" = app_current_org() OR "tokenHash" = app_current_token_hash() OR lower("email") = app_current_email())
  WITH CHECK ("orgId" = app_current_org());

CREATE POLICY tenant_isolation ON "service_api_keys"
  USING ("orgId" = app_current_org() OR "keyHash" = app_current_token_hash())
  WITH CHECK ("orgId" = app_current_org());

-- Audit entries are append-only: read and insert within the org, with no UPDATE or DELETE
-- policy no row can be changed or removed under RLS, and the server's role lacks the privilege.
CREATE POLICY audit_read ON "audit_logs" FOR SELECT USING ("orgId" = app_current_org());
CREATE POLICY audit_append ON "audit_logs" FOR INSERT WITH CHECK ("orgId" = app_current_org());

-- The role the server runs as: no login of its own, no BYPASSRLS. The migrating user becomes a
-- member so that it (and the server connecting as it) can SET ROLE. Created only if missing,
-- because roles are shared by every database of the cluster (\073 is a semicolon, see above).
DO E'BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ''orgbase_app'') THEN CREATE ROLE orgbase_app NOLOGIN NOBYPASSRLS\073 END IF\073 END';
GRANT orgbase_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO orgbase_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO orgbase_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO orgbase_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO orgbase_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO orgbase_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO orgbase_app;
REVOKE UPDATE, DELETE, TRUNCATE ON "audit_logs" FROM orgbase_app;
