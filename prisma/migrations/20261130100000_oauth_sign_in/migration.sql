-- Sign in with an identity provider (issue 12, oauth): the provider's email and login on accounts,
-- the sign-ins in progress (oauth_flows), the database's refusal of plaintext provider tokens, and
-- the one lookup a callback needs before it knows the user.

-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "email" TEXT,
ADD COLUMN     "login" TEXT;

-- CreateTable
CREATE TABLE "oauth_flows" (
    "id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "stateHash" TEXT NOT NULL,
    "encryptedCodeVerifier" TEXT NOT NULL,
    "nonce" TEXT,
    "linkUserId" UUID,
    "returnTo" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "callbackAt" TIMESTAMPTZ(3),
    "loginCodeHash" TEXT,
    "userId" UUID,
    "codeExpiresAt" TIMESTAMPTZ(3),
    "exchangedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "oauth_flows_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "oauth_flows_stateHash_key" ON "oauth_flows"("stateHash");

-- CreateIndex
CREATE UNIQUE INDEX "oauth_flows_loginCodeHash_key" ON "oauth_flows"("loginCodeHash");

-- CreateIndex
CREATE INDEX "oauth_flows_expiresAt_idx" ON "oauth_flows"("expiresAt");


-- A flow is seen only by whoever presents one of its secrets: the state (start writes it, the
-- callback spends it) or the login code (the callback writes it, the exchange spends it); their
-- SHA-256 is app.token_hash. Nothing lists flows.
ALTER TABLE "oauth_flows" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "oauth_flows" FORCE ROW LEVEL SECURITY;
CREATE POLICY oauth_flows_by_secret ON "oauth_flows"
  USING ("stateHash" = app_current_token_hash() OR "loginCodeHash" = app_current_token_hash())
  WITH CHECK ("stateHash" = app_current_token_hash() OR "loginCodeHash" = app_current_token_hash());

-- Provider tokens are key-ring ciphertext only, like git providers' (test_automation migration).
CREATE TRIGGER accounts_secrets_encrypted BEFORE INSERT OR UPDATE ON "accounts"
  FOR EACH ROW EXECUTE FUNCTION app_check_stored_secrets('encryptedAccessToken', 'encryptedRefreshToken');
CREATE TRIGGER oauth_flows_secrets_encrypted BEFORE INSERT OR UPDATE ON "oauth_flows"
  FOR EACH ROW EXECUTE FUNCTION app_check_stored_secrets('encryptedCodeVerifier');

-- The user a provider account belongs to, before the callback knows who signs in (accounts are
-- otherwise seen by their user only). One id, never the row.
CREATE FUNCTION app_account_owner(p_provider text, p_provider_account_id text) RETURNS uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT a."userId" FROM "accounts" a
    WHERE a."provider" = p_provider AND a."providerAccountId" = p_provider_account_id
  $$;
REVOKE EXECUTE ON FUNCTION app_account_owner(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_account_owner(text, text) TO orgbase_app;
