import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { pgliteSession } from '../../database/database-connection';
import { applyMigrations, type SqlSession } from '../../database/migrator';
import { generateEncryptionKey, KeyRing } from './key-ring';
import { columnAad, SECRET_COLUMNS, secretColumnName, type SecretColumn } from './secret-columns';
import { rotateSecrets, type ColumnRotation } from './secret-rotation';

/**
 * Rotation against a real, migrated PGlite database, as the owner: rows written under an old key
 * (as the services will write them: associated data from secretAad), then rotated to a new one.
 */
describe('rotateSecrets', () => {
  const oldKey = generateEncryptionKey('2024');
  const newKey = generateEncryptionKey('2025');
  const before = new KeyRing([oldKey]);
  const after = new KeyRing([newKey, oldKey]);

  let pglite: PGlite;
  let session: SqlSession;
  /** `table.column/id` → plaintext, for every non-null secret written. */
  let plaintexts: Map<string, string>;
  let counts: Map<string, number>;

  beforeAll(async () => {
    pglite = await PGlite.create('memory://');
    session = pgliteSession(pglite);
    await applyMigrations(session);
  });

  afterAll(async () => {
    await pglite.close();
  });

  beforeEach(async () => {
    await pglite.exec('TRUNCATE users, organizations, idempotency_keys, oauth_flows CASCADE');
    plaintexts = new Map();
    counts = new Map(SECRET_COLUMNS.map((column) => [secretColumnName(column), 0]));
    await seed();
  });

  function secret(column: SecretColumn, id: string, owner: string, ring = before): string {
    const plain = `${secretColumnName(column)} of ${id} ${randomUUID()}`;
    plaintexts.set(`${secretColumnName(column)}/${id}`, plain);
    counts.set(secretColumnName(column), counts.get(secretColumnName(column))! + 1);
    return ring.encrypt(plain, columnAad(column, owner));
  }

  const col = (name: string) => SECRET_COLUMNS.find((column) => secretColumnName(column) === name)!;

  async function seed(): Promise<void> {
    const users = [randomUUID(), randomUUID()];
    const orgs = [randomUUID(), randomUUID(), randomUUID()];
    for (const [i, id] of users.entries()) {
      await session.query(`INSERT INTO users (id, email, name, "updatedAt") VALUES ($1, $2, 'U', now())`, [
        id,
        `u${i}@example.test`,
      ]);
    }
    for (const [i, id] of orgs.entries()) {
      await session.query(`INSERT INTO organizations (id, name, slug, "updatedAt") VALUES ($1, 'O', $2, now())`, [
        id,
        `org-${i}`,
      ]);
    }
    for (const orgId of orgs) {
      for (const provider of ['OPENAI', 'ANTHROPIC']) {
        const id = randomUUID();
        await session.query(
          `INSERT INTO provider_keys (id, "orgId", provider, name, "encryptedKey", last4, "updatedAt")
           VALUES ($1, $2, $3::"AiProvider", 'k', $4, 'abcd', now())`,
          [id, orgId, provider, secret(col('provider_keys.encryptedKey'), id, orgId)],
        );
      }
    }
    // 23 hosts (3 batches of 7 and a partial one), every fourth without a password.
    for (let i = 0; i < 23; i++) {
      const id = randomUUID();
      const orgId = orgs[i % orgs.length]!;
      const password = i % 4 === 0 ? null : secret(col('hosts.encryptedPassword'), id, orgId);
      await session.query(
        `INSERT INTO hosts (id, "orgId", name, address, "encryptedPassword", "updatedAt") VALUES ($1, $2, $3, '10.0.0.1', $4, now())`,
        [id, orgId, `host-${i}`, password],
      );
    }
    for (let i = 0; i < 9; i++) {
      const id = randomUUID();
      const orgId = orgs[i % orgs.length]!;
      // Every connection has a credential (the database says so): a password, a key, or both.
      const privateKey = i % 3 ? secret(col('ssh_connections.encryptedPrivateKey'), id, orgId) : null;
      const password = i % 2 || !privateKey ? secret(col('ssh_connections.encryptedPassword'), id, orgId) : null;
      const passphrase = privateKey && i % 2 ? secret(col('ssh_connections.encryptedPassphrase'), id, orgId) : null;
      await session.query(
        `INSERT INTO ssh_connections (id, "orgId", name, host, username, "encryptedPassword", "encryptedPrivateKey", "encryptedPassphrase", "updatedAt")
         VALUES ($1, $2, $3, 'h', 'root', $4, $5, $6, now())`,
        [id, orgId, `conn-${i}`, password, privateKey, passphrase],
      );
    }
    for (let i = 0; i < 7; i++) {
      const id = randomUUID();
      const orgId = orgs[i % orgs.length]!;
      await session.query(
        `INSERT INTO git_providers (id, "orgId", name, "providerType", "encryptedAccessToken", "encryptedRefreshToken", "updatedAt")
         VALUES ($1, $2, $3, 'GITHUB', $4, $5, now())`,
        [
          id,
          orgId,
          `git-${i}`,
          secret(col('git_providers.encryptedAccessToken'), id, orgId),
          i % 2 ? secret(col('git_providers.encryptedRefreshToken'), id, orgId) : null,
        ],
      );
    }
    for (let i = 0; i < 3; i++) {
      const id = randomUUID();
      const orgId = orgs[i % orgs.length]!;
      await session.query(
        `INSERT INTO webhooks (id, "orgId", url, events, "encryptedSecret", "updatedAt")
         VALUES ($1, $2, $3, '{*}', $4, now())`,
        [id, orgId, `https://hooks.example.com/${i}`, secret(col('webhooks.encryptedSecret'), id, orgId)],
      );
    }
    for (let i = 0; i < 4; i++) {
      const id = randomUUID();
      const userId = users[i % users.length]!;
      await session.query(
        `INSERT INTO accounts (id, "userId", type, provider, "providerAccountId", "encryptedAccessToken", "encryptedRefreshToken", "updatedAt")
         VALUES ($1, $2, 'oauth', 'github', $3, $4, $5, now())`,
        [
          id,
          userId,
          `acct-${i}`,
          secret(col('accounts.encryptedAccessToken'), id, userId),
          secret(col('accounts.encryptedRefreshToken'), id, userId),
        ],
      );
    }
    // PKCE verifiers of sign-ins in progress: bound to their own row.
    for (let i = 0; i < 2; i++) {
      const id = randomUUID();
      await session.query(
        `INSERT INTO oauth_flows (id, provider, "stateHash", "encryptedCodeVerifier", "returnTo", "expiresAt")
         VALUES ($1, 'test', $2, $3, 'http://localhost:3000/', now() + interval '10 minutes')`,
        [id, `state-hash-${i}`, secret(col('oauth_flows.encryptedCodeVerifier'), id, id)],
      );
    }
    // Stored responses of idempotent requests: in an org's and in a user's key space, one in flight.
    for (const [i, scopeId] of [orgs[0]!, users[0]!, orgs[1]!].entries()) {
      const id = randomUUID();
      const response = i === 2 ? null : secret(col('idempotency_keys.encryptedResponse'), id, scopeId);
      await session.query(
        `INSERT INTO idempotency_keys (id, "scopeId", key, "encryptedResponse", "expiresAt")
         VALUES ($1, $2, $3, $4, now() + interval '1 day')`,
        [id, scopeId, `key-${i}`, response],
      );
    }
  }

  interface StoredRow {
    id: string;
    owner: string;
    value: string | null;
  }

  async function read(column: SecretColumn): Promise<StoredRow[]> {
    const { rows } = await session.query<StoredRow>(
      `SELECT id::text AS id, "${column.ownerColumn}"::text AS owner, "${column.column}" AS value FROM "${column.table}" ORDER BY id`,
    );
    return rows;
  }

  async function snapshot(): Promise<Record<string, StoredRow[]>> {
    const all: Record<string, StoredRow[]> = {};
    for (const column of SECRET_COLUMNS) all[secretColumnName(column)] = await read(column);
    return all;
  }

  const byColumn = (results: ColumnRotation[]) => Object.fromEntries(results.map((result) => [result.column, result]));

  it('re-encrypts every secret of every registered column under the newest key, in batches, and a second run changes nothing', async () => {
    const nulls = Object.fromEntries(
      Object.entries(await snapshot()).map(([name, rows]) => [name, rows.filter((row) => row.value === null).length]),
    );
    const reported: string[] = [];
    const first = await rotateSecrets(session, after, {
      batchSize: 7,
      onColumn: (result) => reported.push(result.column),
    });

    expect(reported).toEqual(SECRET_COLUMNS.map(secretColumnName));
    for (const column of SECRET_COLUMNS) {
      const name = secretColumnName(column);
      const expected = counts.get(name)!;
      expect(expected).toBeGreaterThan(0);
      expect(byColumn(first)[name]).toEqual({
        column: name,
        scanned: expected,
        rotated: expected,
        current: 0,
        failed: [],
      });
    }
    expect(byColumn(first)['hosts.encryptedPassword']!.scanned).toBe(17);

    const rotated = await snapshot();
    for (const column of SECRET_COLUMNS) {
      const name = secretColumnName(column);
      expect(rotated[name]!.filter((row) => row.value === null)).toHaveLength(nulls[name]!);
      for (const row of rotated[name]!) {
        if (row.value === null) continue;
        expect(after.keyIdOf(row.value)).toBe('2025');
        expect(after.decrypt(row.value, columnAad(column, row.owner))).toBe(plaintexts.get(`${name}/${row.id}`));
        // Under the new key only: a ring without the old key reads it.
        expect(new KeyRing([newKey]).decrypt(row.value, columnAad(column, row.owner))).toBe(
          plaintexts.get(`${name}/${row.id}`),
        );
      }
    }

    const second = await rotateSecrets(session, after, { batchSize: 7 });
    for (const result of second) {
      expect(result).toEqual({ ...result, rotated: 0, current: counts.get(result.column), failed: [] });
    }
    expect(await snapshot()).toEqual(rotated);
  });

  it('with the default batch size, rotates only what is under an older key', async () => {
    const hosts = col('hosts.encryptedPassword');
    const [first] = (await read(hosts)).filter((row) => row.value !== null);
    const fresh = after.encrypt('already new', columnAad(hosts, first!.owner));
    await session.query(`UPDATE hosts SET "encryptedPassword" = $2 WHERE id = $1`, [first!.id, fresh]);

    const results = byColumn(await rotateSecrets(session, after));
    expect(results['hosts.encryptedPassword']).toMatchObject({ scanned: 17, rotated: 16, current: 1, failed: [] });
    const { rows } = await session.query<{ value: string }>(
      `SELECT "encryptedPassword" AS value FROM hosts WHERE id = $1`,
      [first!.id],
    );
    expect(rows[0]!.value).toBe(fresh);
  });

  it('reports values it cannot read (unknown key, moved to another org, malformed) by row id, leaves them, and rotates the rest', async () => {
    const providerKeys = col('provider_keys.encryptedKey');
    const rows = await read(providerKeys);
    const [a, b] = rows;
    const c = rows.find((row) => row.id !== a!.id && row.owner !== b!.owner);
    const retired = new KeyRing([generateEncryptionKey('2019')]).encrypt('lost', columnAad(providerKeys, a!.owner));
    // b's value copied into another org's row: its associated data names b's org, not c's.
    const moved = b!.value;
    await session.query(`UPDATE provider_keys SET "encryptedKey" = $2 WHERE id = $1`, [a!.id, retired]);
    await session.query(`UPDATE provider_keys SET "encryptedKey" = $2 WHERE id = $1`, [c!.id, moved]);
    const [host] = (await read(col('hosts.encryptedPassword'))).filter((row) => row.value !== null);
    // A plaintext left from before the database refused them (its trigger is off for this write).
    await session.query(`ALTER TABLE hosts DISABLE TRIGGER hosts_secrets_encrypted`);
    await session.query(`UPDATE hosts SET "encryptedPassword" = 'plaintext-password' WHERE id = $1`, [host!.id]);
    await session.query(`ALTER TABLE hosts ENABLE TRIGGER hosts_secrets_encrypted`);

    const results = byColumn(await rotateSecrets(session, after, { batchSize: 4 }));

    const keys = results['provider_keys.encryptedKey']!;
    expect(keys.failed).toContainEqual({
      id: a!.id,
      reason: 'Secret is encrypted under key "2019", which ENCRYPTION_KEYS does not hold (it holds: 2025, 2024)',
    });
    expect(keys.failed).toContainEqual({ id: c!.id, reason: expect.stringMatching(/failed authentication/) });
    expect(keys.failed).toHaveLength(2);
    expect(keys.rotated).toBe(4);
    expect(results['hosts.encryptedPassword']).toMatchObject({
      rotated: 16,
      failed: [{ id: host!.id, reason: expect.stringMatching(/malformed/) }],
    });
    expect(results['ssh_connections.encryptedPassword']!.failed).toEqual([]);

    const after1 = await read(providerKeys);
    expect(after1.find((row) => row.id === a!.id)!.value).toBe(retired);
    expect(after1.find((row) => row.id === c!.id)!.value).toBe(moved);
    const hostRow = (await read(col('hosts.encryptedPassword'))).find((row) => row.id === host!.id);
    expect(hostRow!.value).toBe('plaintext-password');
    // Never a failure message carrying a plaintext.
    for (const result of Object.values(results)) {
      for (const failure of result.failed) expect(failure.reason).not.toContain('plaintext-password');
    }
  });

  it('refuses to run as the app role bound by row-level security instead of seeing no rows', async () => {
    await pglite.exec('SET ROLE orgbase_app');
    await expect(rotateSecrets(session, after)).rejects.toThrow(
      /must run as the database owner with row-level security bypassed/,
    );
    await pglite.exec('RESET ROLE');
    // Nothing changed, and the connection is usable (the failed batch was rolled back).
    const results = await rotateSecrets(session, after);
    expect(results.every((result) => result.rotated === counts.get(result.column))).toBe(true);
  });

  it('refuses a column description that is not a plain SQL identifier', async () => {
    await expect(
      rotateSecrets(session, after, { columns: [{ table: 'hosts; DROP TABLE x', column: 'c', ownerColumn: 'orgId' }] }),
    ).rejects.toThrow('Not an SQL identifier');
  });
});
