-- AlterTable
ALTER TABLE "git_providers" ADD COLUMN     "lastSyncedAt" TIMESTAMPTZ(3),
ADD COLUMN     "syncError" TEXT,
ADD COLUMN     "syncStatus" "SyncStatus";

-- AlterTable
ALTER TABLE "hosts" ADD COLUMN     "lastError" TEXT,
ADD COLUMN     "lastLatencyMs" INTEGER;

-- AlterTable
ALTER TABLE "repositories" ADD COLUMN     "externalId" TEXT,
ADD COLUMN     "isPrivate" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "ssh_connections" ADD COLUMN     "encryptedPassphrase" TEXT,
ADD COLUMN     "lastLatencyMs" INTEGER;

-- CreateIndex
CREATE INDEX "git_providers_createdByUserId_idx" ON "git_providers"("createdByUserId");

-- CreateIndex
CREATE UNIQUE INDEX "repositories_orgId_providerId_externalId_key" ON "repositories"("orgId", "providerId", "externalId");

-- CreateIndex
CREATE INDEX "ssh_connections_createdByUserId_idx" ON "ssh_connections"("createdByUserId");

-- AddForeignKey
ALTER TABLE "ssh_connections" ADD CONSTRAINT "ssh_connections_createdByUserId_fkey" FOREIGN KEY ("createdByUserId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "git_providers" ADD CONSTRAINT "git_providers_createdByUserId_fkey" FOREIGN KEY ("createdByUserId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- ── Written by hand: rules the database holds on its own (triggers, see app_refuse_row) ──

-- Secrets of hosts, SSH connections and git providers are stored only as key-ring ciphertext
-- (`v1.<keyId>.<iv>.<tag>.<ciphertext>`, base64url parts): a plaintext password, key or token is
-- refused even if a code path forgot to encrypt it. The trigger's arguments name the columns.
CREATE FUNCTION app_check_stored_secrets() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  secret_column text;
  stored text;
BEGIN
  FOREACH secret_column IN ARRAY TG_ARGV LOOP
    stored := to_jsonb(NEW) ->> secret_column;
    IF stored IS NOT NULL AND stored !~ '^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$' THEN
      PERFORM app_refuse_row(TG_TABLE_NAME || '_' || secret_column || '_encrypted',
        secret_column || ' holds key-ring ciphertext only');
    END IF;
  END LOOP;
  RETURN NEW;
END $$;
CREATE TRIGGER hosts_secrets_encrypted BEFORE INSERT OR UPDATE ON "hosts"
  FOR EACH ROW EXECUTE FUNCTION app_check_stored_secrets('encryptedPassword');
CREATE TRIGGER ssh_connections_secrets_encrypted BEFORE INSERT OR UPDATE ON "ssh_connections"
  FOR EACH ROW EXECUTE FUNCTION app_check_stored_secrets('encryptedPassword', 'encryptedPrivateKey', 'encryptedPassphrase');
CREATE TRIGGER git_providers_secrets_encrypted BEFORE INSERT OR UPDATE ON "git_providers"
  FOR EACH ROW EXECUTE FUNCTION app_check_stored_secrets('encryptedAccessToken', 'encryptedRefreshToken');

-- An SSH connection has a password or a private key (or both); a passphrase only with a key.
CREATE FUNCTION app_check_ssh_credentials() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NEW."encryptedPassword" IS NULL AND NEW."encryptedPrivateKey" IS NULL THEN
    PERFORM app_refuse_row('ssh_connections_has_credential', 'a connection needs a password or a private key');
  END IF;
  IF NEW."encryptedPassphrase" IS NOT NULL AND NEW."encryptedPrivateKey" IS NULL THEN
    PERFORM app_refuse_row('ssh_connections_passphrase_needs_key', 'a passphrase belongs to a private key');
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER ssh_connections_has_credential BEFORE INSERT OR UPDATE ON "ssh_connections"
  FOR EACH ROW EXECUTE FUNCTION app_check_ssh_credentials();

-- TCP ports are 1 to 65535; latencies are not negative.
CREATE FUNCTION app_check_port() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NEW."port" IS NOT NULL AND (NEW."port" < 1 OR NEW."port" > 65535) THEN
    PERFORM app_refuse_row(TG_TABLE_NAME || '_port_range', 'port must be between 1 and 65535');
  END IF;
  IF NEW."lastLatencyMs" IS NOT NULL AND NEW."lastLatencyMs" < 0 THEN
    PERFORM app_refuse_row(TG_TABLE_NAME || '_latency_not_negative', 'lastLatencyMs must not be negative');
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER hosts_port_range BEFORE INSERT OR UPDATE ON "hosts"
  FOR EACH ROW EXECUTE FUNCTION app_check_port();
CREATE TRIGGER ssh_connections_port_range BEFORE INSERT OR UPDATE ON "ssh_connections"
  FOR EACH ROW EXECUTE FUNCTION app_check_port();
