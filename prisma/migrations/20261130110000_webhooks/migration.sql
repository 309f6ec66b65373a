-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "webhooks" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT,
    "events" TEXT[],
    "encryptedSecret" TEXT NOT NULL,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdByUserId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "webhookId" UUID NOT NULL,
    "event" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "responseStatus" INTEGER,
    "responseBody" TEXT,
    "error" TEXT,
    "durationMs" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastAttemptAt" TIMESTAMPTZ(3),
    "deliveredAt" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhooks_createdByUserId_idx" ON "webhooks"("createdByUserId");

-- CreateIndex
CREATE UNIQUE INDEX "webhooks_orgId_id_key" ON "webhooks"("orgId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "webhooks_orgId_url_key" ON "webhooks"("orgId", "url");

-- CreateIndex
CREATE INDEX "webhook_deliveries_orgId_webhookId_id_idx" ON "webhook_deliveries"("orgId", "webhookId", "id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_orgId_webhookId_status_id_idx" ON "webhook_deliveries"("orgId", "webhookId", "status", "id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_status_createdAt_idx" ON "webhook_deliveries"("status", "createdAt");

-- CreateIndex
CREATE INDEX "webhook_deliveries_createdAt_idx" ON "webhook_deliveries"("createdAt");

-- AddForeignKey
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_createdByUserId_fkey" FOREIGN KEY ("createdByUserId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_orgId_webhookId_fkey" FOREIGN KEY ("orgId", "webhookId") REFERENCES "webhooks"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Tenant isolation (issue 12, webhooks): both tables are the org's alone, forced like every tenant table.
ALTER TABLE "webhooks" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "webhooks" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "webhooks"
  USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());
ALTER TABLE "webhook_deliveries" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "webhook_deliveries" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "webhook_deliveries"
  USING ("orgId" = app_current_org()) WITH CHECK ("orgId" = app_current_org());

-- The signing secret is key-ring ciphertext, never plaintext (see 20261129090000_test_automation).
CREATE TRIGGER webhooks_secrets_encrypted BEFORE INSERT OR UPDATE ON "webhooks"
  FOR EACH ROW EXECUTE FUNCTION app_check_stored_secrets('encryptedSecret');

-- The delivery sweep, across organizations (no request scope sees them all): PENDING deliveries
-- untouched for idle_seconds (their job may be lost). Ids and scope only; the sweep then works on
-- each inside its own org's scope.
CREATE FUNCTION app_stale_webhook_deliveries(idle_seconds integer)
  RETURNS TABLE ("id" uuid, "orgId" uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT d."id", d."orgId" FROM "webhook_deliveries" d
    WHERE d."status" = 'PENDING'
      AND coalesce(d."lastAttemptAt", d."createdAt") < now() - make_interval(secs => idle_seconds)
    ORDER BY d."createdAt" LIMIT 100 $$;
REVOKE EXECUTE ON FUNCTION app_stale_webhook_deliveries(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_stale_webhook_deliveries(integer) TO orgbase_app;

-- Retention: deliveries older than keep_days go (any status). Returns how many rows went.
CREATE FUNCTION app_prune_webhook_deliveries(keep_days integer) RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    WITH gone AS (
      DELETE FROM "webhook_deliveries" d WHERE d."createdAt" < now() - make_interval(days => keep_days) RETURNING 1)
    SELECT count(*)::integer FROM gone
  $$;
REVOKE EXECUTE ON FUNCTION app_prune_webhook_deliveries(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_prune_webhook_deliveries(integer) TO orgbase_app;
