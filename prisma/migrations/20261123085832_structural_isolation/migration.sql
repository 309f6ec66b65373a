/*
  Warnings:

  - A unique constraint covering the columns `[orgId,agentId,version]` on the table `agent_versions` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,id]` on the table `agents` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,modelId,version]` on the table `canvas_model_versions` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,id]` on the table `canvas_models` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,canvasId,version]` on the table `canvas_versions` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,id]` on the table `canvases` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,id]` on the table `conversations` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,id]` on the table `git_providers` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,id]` on the table `hosts` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,promptId,version]` on the table `prompt_versions` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,id]` on the table `prompts` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,suiteId,scenarioId]` on the table `scenario_suite_items` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,id]` on the table `scenario_suites` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,id]` on the table `scenario_turns` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,scenarioId,orderIndex]` on the table `scenario_turns` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,scenarioId,version]` on the table `scenario_versions` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[orgId,id]` on the table `scenarios` will be added. If there are existing duplicate values, this will fail.

*/
-- DropForeignKey
ALTER TABLE "agent_versions" DROP CONSTRAINT "agent_versions_agentId_fkey";

-- DropForeignKey
ALTER TABLE "audit_logs" DROP CONSTRAINT "audit_logs_orgId_fkey";

-- DropForeignKey
ALTER TABLE "canvas_model_versions" DROP CONSTRAINT "canvas_model_versions_modelId_fkey";

-- DropForeignKey
ALTER TABLE "canvas_versions" DROP CONSTRAINT "canvas_versions_canvasId_fkey";

-- DropForeignKey
ALTER TABLE "canvases" DROP CONSTRAINT "canvases_createdByUserId_fkey";

-- DropForeignKey
ALTER TABLE "canvases" DROP CONSTRAINT "canvases_modelId_fkey";

-- DropForeignKey
ALTER TABLE "executions" DROP CONSTRAINT "executions_agentId_fkey";

-- DropForeignKey
ALTER TABLE "messages" DROP CONSTRAINT "messages_conversationId_fkey";

-- DropForeignKey
ALTER TABLE "prompt_versions" DROP CONSTRAINT "prompt_versions_promptId_fkey";

-- DropForeignKey
ALTER TABLE "repositories" DROP CONSTRAINT "repositories_providerId_fkey";

-- DropForeignKey
ALTER TABLE "scenario_expectations" DROP CONSTRAINT "scenario_expectations_scenarioId_fkey";

-- DropForeignKey
ALTER TABLE "scenario_expectations" DROP CONSTRAINT "scenario_expectations_turnId_fkey";

-- DropForeignKey
ALTER TABLE "scenario_suite_items" DROP CONSTRAINT "scenario_suite_items_scenarioId_fkey";

-- DropForeignKey
ALTER TABLE "scenario_suite_items" DROP CONSTRAINT "scenario_suite_items_suiteId_fkey";

-- DropForeignKey
ALTER TABLE "scenario_turns" DROP CONSTRAINT "scenario_turns_scenarioId_fkey";

-- DropForeignKey
ALTER TABLE "scenario_versions" DROP CONSTRAINT "scenario_versions_scenarioId_fkey";

-- DropForeignKey
ALTER TABLE "ssh_connections" DROP CONSTRAINT "ssh_connections_hostId_fkey";

-- DropIndex
DROP INDEX "agent_versions_agentId_version_key";

-- DropIndex
DROP INDEX "agent_versions_orgId_agentId_version_idx";

-- DropIndex
DROP INDEX "canvas_model_versions_modelId_version_key";

-- DropIndex
DROP INDEX "canvas_model_versions_orgId_modelId_version_idx";

-- DropIndex
DROP INDEX "canvas_versions_canvasId_version_key";

-- DropIndex
DROP INDEX "canvas_versions_orgId_canvasId_version_idx";

-- DropIndex
DROP INDEX "canvases_modelId_idx";

-- DropIndex
DROP INDEX "prompt_versions_orgId_promptId_version_idx";

-- DropIndex
DROP INDEX "prompt_versions_promptId_version_key";

-- DropIndex
DROP INDEX "repositories_providerId_idx";

-- DropIndex
DROP INDEX "scenario_expectations_orgId_scenarioId_idx";

-- DropIndex
DROP INDEX "scenario_expectations_turnId_idx";

-- DropIndex
DROP INDEX "scenario_suite_items_scenarioId_idx";

-- DropIndex
DROP INDEX "scenario_suite_items_suiteId_scenarioId_key";

-- DropIndex
DROP INDEX "scenario_turns_orgId_scenarioId_idx";

-- DropIndex
DROP INDEX "scenario_turns_scenarioId_orderIndex_key";

-- DropIndex
DROP INDEX "scenario_versions_orgId_scenarioId_version_idx";

-- DropIndex
DROP INDEX "scenario_versions_scenarioId_version_key";

-- DropIndex
DROP INDEX "ssh_connections_hostId_idx";

-- AlterTable
ALTER TABLE "canvases" ALTER COLUMN "createdByUserId" DROP NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "agent_versions_orgId_agentId_version_key" ON "agent_versions"("orgId", "agentId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "agents_orgId_id_key" ON "agents"("orgId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "canvas_model_versions_orgId_modelId_version_key" ON "canvas_model_versions"("orgId", "modelId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "canvas_models_orgId_id_key" ON "canvas_models"("orgId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "canvas_versions_orgId_canvasId_version_key" ON "canvas_versions"("orgId", "canvasId", "version");

-- CreateIndex
CREATE INDEX "canvases_orgId_modelId_idx" ON "canvases"("orgId", "modelId");

-- CreateIndex
CREATE INDEX "canvases_createdByUserId_idx" ON "canvases"("createdByUserId");

-- CreateIndex
CREATE UNIQUE INDEX "canvases_orgId_id_key" ON "canvases"("orgId", "id");

-- CreateIndex
CREATE INDEX "conversations_userId_idx" ON "conversations"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "conversations_orgId_id_key" ON "conversations"("orgId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "git_providers_orgId_id_key" ON "git_providers"("orgId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "hosts_orgId_id_key" ON "hosts"("orgId", "id");

-- CreateIndex
CREATE INDEX "messages_userId_idx" ON "messages"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "prompt_versions_orgId_promptId_version_key" ON "prompt_versions"("orgId", "promptId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "prompts_orgId_id_key" ON "prompts"("orgId", "id");

-- CreateIndex
CREATE INDEX "scenario_expectations_orgId_scenarioId_orderIndex_idx" ON "scenario_expectations"("orgId", "scenarioId", "orderIndex");

-- CreateIndex
CREATE INDEX "scenario_expectations_orgId_turnId_idx" ON "scenario_expectations"("orgId", "turnId");

-- CreateIndex
CREATE INDEX "scenario_suite_items_orgId_scenarioId_idx" ON "scenario_suite_items"("orgId", "scenarioId");

-- CreateIndex
CREATE UNIQUE INDEX "scenario_suite_items_orgId_suiteId_scenarioId_key" ON "scenario_suite_items"("orgId", "suiteId", "scenarioId");

-- CreateIndex
CREATE UNIQUE INDEX "scenario_suites_orgId_id_key" ON "scenario_suites"("orgId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "scenario_turns_orgId_id_key" ON "scenario_turns"("orgId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "scenario_turns_orgId_scenarioId_orderIndex_key" ON "scenario_turns"("orgId", "scenarioId", "orderIndex");

-- CreateIndex
CREATE UNIQUE INDEX "scenario_versions_orgId_scenarioId_version_key" ON "scenario_versions"("orgId", "scenarioId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "scenarios_orgId_id_key" ON "scenarios"("orgId", "id");

-- CreateIndex
CREATE INDEX "ssh_connections_orgId_hostId_idx" ON "ssh_connections"("orgId", "hostId");

-- AddForeignKey
ALTER TABLE "prompt_versions" ADD CONSTRAINT "prompt_versions_orgId_promptId_fkey" FOREIGN KEY ("orgId", "promptId") REFERENCES "prompts"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scenario_turns" ADD CONSTRAINT "scenario_turns_orgId_scenarioId_fkey" FOREIGN KEY ("orgId", "scenarioId") REFERENCES "scenarios"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scenario_expectations" ADD CONSTRAINT "scenario_expectations_orgId_scenarioId_fkey" FOREIGN KEY ("orgId", "scenarioId") REFERENCES "scenarios"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scenario_expectations" ADD CONSTRAINT "scenario_expectations_orgId_turnId_fkey" FOREIGN KEY ("orgId", "turnId") REFERENCES "scenario_turns"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scenario_versions" ADD CONSTRAINT "scenario_versions_orgId_scenarioId_fkey" FOREIGN KEY ("orgId", "scenarioId") REFERENCES "scenarios"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scenario_suite_items" ADD CONSTRAINT "scenario_suite_items_orgId_suiteId_fkey" FOREIGN KEY ("orgId", "suiteId") REFERENCES "scenario_suites"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scenario_suite_items" ADD CONSTRAINT "scenario_suite_items_orgId_scenarioId_fkey" FOREIGN KEY ("orgId", "scenarioId") REFERENCES "scenarios"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_orgId_conversationId_fkey" FOREIGN KEY ("orgId", "conversationId") REFERENCES "conversations"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_versions" ADD CONSTRAINT "agent_versions_orgId_agentId_fkey" FOREIGN KEY ("orgId", "agentId") REFERENCES "agents"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "executions" ADD CONSTRAINT "executions_orgId_agentId_fkey" FOREIGN KEY ("orgId", "agentId") REFERENCES "agents"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "canvas_model_versions" ADD CONSTRAINT "canvas_model_versions_orgId_modelId_fkey" FOREIGN KEY ("orgId", "modelId") REFERENCES "canvas_models"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "canvases" ADD CONSTRAINT "canvases_orgId_modelId_fkey" FOREIGN KEY ("orgId", "modelId") REFERENCES "canvas_models"("orgId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "canvases" ADD CONSTRAINT "canvases_createdByUserId_fkey" FOREIGN KEY ("createdByUserId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "canvas_versions" ADD CONSTRAINT "canvas_versions_orgId_canvasId_fkey" FOREIGN KEY ("orgId", "canvasId") REFERENCES "canvases"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ssh_connections" ADD CONSTRAINT "ssh_connections_orgId_hostId_fkey" FOREIGN KEY ("orgId", "hostId") REFERENCES "hosts"("orgId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "repositories" ADD CONSTRAINT "repositories_orgId_providerId_fkey" FOREIGN KEY ("orgId", "providerId") REFERENCES "git_providers"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------- hand-written: privacy inside an org
-- Row-level security keyed on the creator as well as the org (issue 6, point 5), so that a bug in
-- a service cannot show one member another's private rows:
--   conversations  visible to their creator, and to the org when sharedWithOrg; only the
--                  creator creates, changes or deletes one (sharing is read-only)
--   messages       visible as their conversation is; written only in the caller's own conversations
--   canvases       visible to their creator, and to the org when visibility = 'ORG'; created only
--                  as oneself; changed or deleted by whoever sees them (which member of the org
--                  may edit an ORG canvas is the service's role rule)
--   canvas_versions follow their canvas
-- A scope without a user (a service API key: app.user_id empty, app_current_user() NULL) matches
-- no creator, so it sees shared conversations and ORG canvases only, and creates neither.
-- Foreign-key actions (cascades, SET NULL) are not subject to these policies.

DROP POLICY tenant_isolation ON "conversations";
CREATE POLICY conversations_read ON "conversations" FOR SELECT
  USING ("orgId" = app_current_org() AND ("userId" = app_current_user() OR "sharedWithOrg"));
CREATE POLICY conversations_insert ON "conversations" FOR INSERT
  WITH CHECK ("orgId" = app_current_org() AND "userId" = app_current_user());
CREATE POLICY conversations_update ON "conversations" FOR UPDATE
  USING ("orgId" = app_current_org() AND "userId" = app_current_user())
  WITH CHECK ("orgId" = app_current_org() AND "userId" = app_current_user());
CREATE POLICY conversations_delete ON "conversations" FOR DELETE
  USING ("orgId" = app_current_org() AND "userId" = app_current_user());

DROP POLICY tenant_isolation ON "messages";
CREATE POLICY messages_read ON "messages" FOR SELECT
  USING ("orgId" = app_current_org() AND EXISTS (
    SELECT 1 FROM "conversations" c
    WHERE c."orgId" = "messages"."orgId" AND c."id" = "messages"."conversationId"
      AND (c."userId" = app_current_user() OR c."sharedWithOrg")));
CREATE POLICY messages_insert ON "messages" FOR INSERT
  WITH CHECK ("orgId" = app_current_org() AND EXISTS (
    SELECT 1 FROM "conversations" c
    WHERE c."orgId" = "messages"."orgId" AND c."id" = "messages"."conversationId"
      AND c."userId" = app_current_user()));
CREATE POLICY messages_update ON "messages" FOR UPDATE
  USING ("orgId" = app_current_org() AND EXISTS (
    SELECT 1 FROM "conversations" c
    WHERE c."orgId" = "messages"."orgId" AND c."id" = "messages"."conversationId"
      AND c."userId" = app_current_user()))
  WITH CHECK ("orgId" = app_current_org() AND EXISTS (
    SELECT 1 FROM "conversations" c
    WHERE c."orgId" = "messages"."orgId" AND c."id" = "messages"."conversationId"
      AND c."userId" = app_current_user()));
CREATE POLICY messages_delete ON "messages" FOR DELETE
  USING ("orgId" = app_current_org() AND EXISTS (
    SELECT 1 FROM "conversations" c
    WHERE c."orgId" = "messages"."orgId" AND c."id" = "messages"."conversationId"
      AND c."userId" = app_current_user()));

DROP POLICY tenant_isolation ON "canvases";
CREATE POLICY canvases_read ON "canvases" FOR SELECT
  USING ("orgId" = app_current_org() AND ("createdByUserId" = app_current_user() OR "visibility" = 'ORG'));
CREATE POLICY canvases_insert ON "canvases" FOR INSERT
  WITH CHECK ("orgId" = app_current_org() AND "createdByUserId" = app_current_user());
CREATE POLICY canvases_update ON "canvases" FOR UPDATE
  USING ("orgId" = app_current_org() AND ("createdByUserId" = app_current_user() OR "visibility" = 'ORG'))
  WITH CHECK ("orgId" = app_current_org() AND ("createdByUserId" = app_current_user() OR "visibility" = 'ORG'));
CREATE POLICY canvases_delete ON "canvases" FOR DELETE
  USING ("orgId" = app_current_org() AND ("createdByUserId" = app_current_user() OR "visibility" = 'ORG'));

DROP POLICY tenant_isolation ON "canvas_versions";
CREATE POLICY canvas_versions_follow_canvas ON "canvas_versions"
  USING ("orgId" = app_current_org() AND EXISTS (
    SELECT 1 FROM "canvases" c
    WHERE c."orgId" = "canvas_versions"."orgId" AND c."id" = "canvas_versions"."canvasId"
      AND (c."createdByUserId" = app_current_user() OR c."visibility" = 'ORG')))
  WITH CHECK ("orgId" = app_current_org() AND EXISTS (
    SELECT 1 FROM "canvases" c
    WHERE c."orgId" = "canvas_versions"."orgId" AND c."id" = "canvas_versions"."canvasId"
      AND (c."createdByUserId" = app_current_user() OR c."visibility" = 'ORG')));
