-- Reliability under races and retries (issue 14):
-- 1. idempotency_keys: a POST's Idempotency-Key and the response it got, for 24 hours
--    (src/common/idempotency). Its key space (scopeId) is the organization on tenant routes and for
--    API keys, the user elsewhere, so row-level security shows a row to that org's or that user's scope.
-- 2. At most one pending invitation per organization and email, decided by a partial unique index.
--
-- No statement here has a semicolon inside a quoted body (see tenant_isolation).

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "id" UUID NOT NULL,
    "scopeId" UUID NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "encryptedResponse" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "idempotency_keys_expiresAt_idx" ON "idempotency_keys"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "idempotency_keys_scopeId_key_key" ON "idempotency_keys"("scopeId", "key");

ALTER TABLE "idempotency_keys" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "idempotency_keys" FORCE ROW LEVEL SECURITY;
CREATE POLICY idempotency_scope ON "idempotency_keys"
  USING ("scopeId" = app_current_org() OR "scopeId" = app_current_user())
  WITH CHECK ("scopeId" = app_current_org() OR "scopeId" = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON "idempotency_keys" TO orgbase_app;

-- Expired keys of every scope, which no request scope can see all of: the server calls this
-- periodically. Returns how many rows went.
CREATE FUNCTION app_purge_expired_idempotency_keys() RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    WITH gone AS (DELETE FROM "idempotency_keys" k WHERE k."expiresAt" <= now() RETURNING 1)
    SELECT count(*)::integer FROM gone
  $$;
REVOKE EXECUTE ON FUNCTION app_purge_expired_idempotency_keys() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_purge_expired_idempotency_keys() TO orgbase_app;

-- Pending invitations that two racing requests may have left (the service checked, then inserted):
-- the newest per organization and email stays pending, the others are revoked.
UPDATE "invitations" i
  SET "status" = 'REVOKED', "respondedAt" = now(), "updatedAt" = now()
  WHERE i."status" = 'PENDING'
    AND EXISTS (SELECT 1 FROM "invitations" n
                WHERE n."orgId" = i."orgId" AND lower(n."email") = lower(i."email") AND n."status" = 'PENDING'
                  AND (n."createdAt", n."id") > (i."createdAt", i."id"));

-- The database decides "one pending invitation per email": a second insert fails (409 DUPLICATE).
-- An expired pending invitation still holds the place; the service revokes it before inviting again.
CREATE UNIQUE INDEX "invitations_orgId_pending_email_key" ON "invitations" ("orgId", lower("email"))
  WHERE "status" = 'PENDING';
