/** A column that holds values encrypted with the key ring (nullable or not). */
export interface SecretColumn {
  /** SQL table name (the model's @@map). */
  table: string;
  /** SQL column name. */
  column: string;
  /**
   * The column whose value binds each secret to its owner: the associated data is
   * `<table>.<column>:<owner id>` (see secretAad). The organization for tenant tables, the user
   * for identity tables, either for idempotency keys (scopeId), the row itself for rows that
   * belong to nobody yet (a sign-in in progress); it is known when the row is
   * created and never changes afterwards.
   */
  ownerColumn: 'orgId' | 'userId' | 'scopeId' | 'id';
}

/**
 * Every column that holds key-ring secrets; `npm run secrets:rotate` re-encrypts exactly these.
 * A module that stores a new kind of secret adds its column here (and encrypts with secretAad),
 * or its values are left behind by rotation.
 */
export const SECRET_COLUMNS = [
  { table: 'provider_keys', column: 'encryptedKey', ownerColumn: 'orgId' },
  { table: 'hosts', column: 'encryptedPassword', ownerColumn: 'orgId' },
  { table: 'ssh_connections', column: 'encryptedPassword', ownerColumn: 'orgId' },
  { table: 'ssh_connections', column: 'encryptedPrivateKey', ownerColumn: 'orgId' },
  { table: 'ssh_connections', column: 'encryptedPassphrase', ownerColumn: 'orgId' },
  { table: 'git_providers', column: 'encryptedAccessToken', ownerColumn: 'orgId' },
  { table: 'git_providers', column: 'encryptedRefreshToken', ownerColumn: 'orgId' },
  { table: 'webhooks', column: 'encryptedSecret', ownerColumn: 'orgId' },
  { table: 'accounts', column: 'encryptedAccessToken', ownerColumn: 'userId' },
  { table: 'accounts', column: 'encryptedRefreshToken', ownerColumn: 'userId' },
  { table: 'idempotency_keys', column: 'encryptedResponse', ownerColumn: 'scopeId' },
  { table: 'oauth_flows', column: 'encryptedCodeVerifier', ownerColumn: 'id' },
] as const satisfies readonly SecretColumn[];

type NameOf<T> = T extends { table: infer Table extends string; column: infer Column extends string }
  ? `${Table}.${Column}`
  : never;

/** `provider_keys.encryptedKey`, … : the registered columns, by name. */
export type SecretColumnName = NameOf<(typeof SECRET_COLUMNS)[number]>;

export function secretColumnName(column: Pick<SecretColumn, 'table' | 'column'>): string {
  return `${column.table}.${column.column}`;
}

/**
 * The associated data for a secret in a registered column, e.g.
 * `keyRing.encrypt(apiKey, secretAad('provider_keys.encryptedKey', orgId))`: the value then
 * decrypts only in that column of that organization's (or user's) rows, so it cannot be copied
 * into another tenant's row or another column and read there.
 */
export function secretAad(column: SecretColumnName, ownerId: string): string {
  return `${column}:${ownerId}`;
}

/** secretAad for any column description (rotation, tests). */
export function columnAad(column: Pick<SecretColumn, 'table' | 'column'>, ownerId: string): string {
  return `${secretColumnName(column)}:${ownerId}`;
}
