-- The tenant guard's membership check in one round trip instead of a transaction of four
-- (BEGIN, set_config, SELECT, COMMIT): the function sets app.user_id for its own statement's
-- transaction, then reads the membership under the same row-level security as any query.
-- It grants nothing new: the server's role may already set app.user_id itself.
-- (The body is an E-string with \073 for each semicolon: see the tenant_isolation migration.)
CREATE FUNCTION app_member_access(p_org uuid, p_user uuid)
  RETURNS TABLE (role "MemberRole", status "MembershipStatus", org_deleted boolean)
  LANGUAGE plpgsql VOLATILE
  AS E'BEGIN PERFORM set_config(''app.user_id'', p_user::text, true)\073 RETURN QUERY SELECT m.role, m.status, o."deletedAt" IS NOT NULL FROM memberships m JOIN organizations o ON o.id = m."orgId" WHERE m."orgId" = p_org AND m."userId" = p_user\073 END';

GRANT EXECUTE ON FUNCTION app_member_access(uuid, uuid) TO orgbase_app;
