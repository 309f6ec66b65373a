/**
 * The benchmark's data: a database migrated by the server's own migrator (what MIGRATE_ON_START
 * and `prisma migrate deploy` apply), then filled with generate_series in a few statements:
 * `orgs` organizations × `rowsPerOrg` variables, one user who is an EDITOR of the first
 * organization (the benchmark org, ENTERPRISE plan so creates meet no plan limit), and a live
 * session of that user. The access token is signed here with the secret the servers are given.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { applyMigrations, type SqlSession } from '../src/database/migrator';
import { verifyChain, type ChainVerdict, type StoredEntry } from '../src/modules/audit/audit-chain-verifier';
import { secretKey, signAccessToken } from './jwt';

/** What both servers are started with; Orgbase's defaults for issuer and audience. */
export const AUTH = {
  secret: 'orgbase-bench-jwt-secret-0123456789abcdef',
  issuer: 'orgbase',
  audience: 'orgbase-api',
};

const EMAIL = 'bench@orgbase.local';
const BENCH_ORG_SLUG = 'bench-org-00001';

export interface Dataset {
  database: string;
  /** The benchmark database, as the connecting (owner) user of DATABASE_URL. */
  url: string;
  orgs: number;
  rows: number;
  orgId: string;
  userId: string;
  sessionId: string;
  /** Ids of the benchmark org's variables: get-by-id cycles through them. */
  variableIds: string[];
  /** How long making the data took (0 when an existing database was reused). */
  loadMs: number;
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function sqlSession(client: Client): SqlSession {
  return {
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as T[] }),
    exec: (sql) => client.query(sql),
  };
}

/** Drops and creates `database`, empty (cold-start measurements migrate it themselves). */
export async function createEmptyDatabase(serverUrl: string, database: string): Promise<string> {
  await withClient(databaseUrl(serverUrl, 'postgres'), async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  });
  return databaseUrl(serverUrl, database);
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  await withClient(databaseUrl(serverUrl, 'postgres'), (admin) =>
    admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  );
}

/**
 * Makes (or with `reuse`, finds an earlier run's) database `database` with the given shape. The
 * superuser of DATABASE_URL writes the rows: it bypasses row-level security, the servers do not.
 */
export async function prepareDataset(
  serverUrl: string,
  database: string,
  shape: { orgs: number; rowsPerOrg: number; reuse: boolean },
): Promise<Dataset> {
  const url = databaseUrl(serverUrl, database);
  if (shape.reuse) {
    const existing = await findDataset(serverUrl, database, shape.orgs * shape.rowsPerOrg).catch(() => null);
    if (existing) return existing;
  }
  const started = performance.now();
  await createEmptyDatabase(serverUrl, database);
  const userId = randomUUID();
  const sessionId = randomUUID();
  await withClient(url, async (db) => {
    await applyMigrations(sqlSession(db));
    await db.query(`INSERT INTO users (id, email, name, "updatedAt") VALUES ($1, $2, 'Bench user', now())`, [
      userId,
      EMAIL,
    ]);
    await db.query(
      `INSERT INTO organizations (id, name, slug, tier, "updatedAt")
       SELECT gen_random_uuid(), 'Bench org ' || n, 'bench-org-' || lpad(n::text, 5, '0'), 'ENTERPRISE', now()
       FROM generate_series(1, $1::int) n`,
      [shape.orgs],
    );
    await db.query(
      `INSERT INTO memberships (id, "orgId", "userId", role, "updatedAt")
       SELECT gen_random_uuid(), id, $1, 'EDITOR', now() FROM organizations WHERE slug = $2`,
      [userId, BENCH_ORG_SLUG],
    );
    await db.query(
      `INSERT INTO sessions (id, "userId", "userAgent", ip, "expiresAt") VALUES ($1, $2, 'bench', '127.0.0.1', now() + interval '1 day')`,
      [sessionId, userId],
    );
    // Org by org, so each org's rows sit together in the (orgId, key) index as they would after real use.
    await db.query(
      `INSERT INTO variables (id, "orgId", key, value, description, "createdAt", "updatedAt")
       SELECT gen_random_uuid(), o.id, 'var_' || lpad(g::text, 6, '0'), 'value ' || g || ' of ' || o.slug,
              CASE WHEN g % 3 = 0 THEN 'Description of variable ' || g END, now(), now()
       FROM organizations o CROSS JOIN generate_series(1, $1::int) g
       ORDER BY o.id, g`,
      [shape.rowsPerOrg],
    );
    await db.query('VACUUM ANALYZE');
  });
  const found = await findDataset(serverUrl, database, shape.orgs * shape.rowsPerOrg);
  if (!found) throw new Error(`${database}: the data just written is not there`);
  return { ...found, loadMs: Math.round(performance.now() - started) };
}

/** The dataset in `database` when it has the bench user, its org and `rows` variables or more; its session renewed. */
async function findDataset(serverUrl: string, database: string, rows: number): Promise<Dataset | null> {
  const url = databaseUrl(serverUrl, database);
  return withClient(url, async (db) => {
    const { rows: found } = await db.query<{ userId: string; orgId: string; sessionId: string }>(
      `SELECT u.id AS "userId", o.id AS "orgId", s.id AS "sessionId"
       FROM users u JOIN memberships m ON m."userId" = u.id JOIN organizations o ON o.id = m."orgId"
       JOIN sessions s ON s."userId" = u.id
       WHERE u.email = $1 AND o.slug = $2 AND s."revokedAt" IS NULL LIMIT 1`,
      [EMAIL, BENCH_ORG_SLUG],
    );
    const bench = found[0];
    if (!bench) return null;
    const counts = await db.query<{ rows: string; orgs: string }>(
      `SELECT (SELECT count(*) FROM variables) AS rows, (SELECT count(*) FROM organizations) AS orgs`,
    );
    if (Number(counts.rows[0]!.rows) < rows) return null;
    await db.query(`UPDATE sessions SET "expiresAt" = now() + interval '1 day' WHERE id = $1`, [bench.sessionId]);
    const ids = await db.query<{ id: string }>(
      `SELECT id FROM variables WHERE "orgId" = $1 AND key LIKE 'var\\_%' ORDER BY key LIMIT 1000`,
      [bench.orgId],
    );
    return {
      database,
      url,
      orgs: Number(counts.rows[0]!.orgs),
      rows: Number(counts.rows[0]!.rows),
      ...bench,
      variableIds: ids.rows.map((row) => row.id),
      loadMs: 0,
    };
  });
}

/** The bearer token of the dataset's user and session, valid for two hours. */
export function accessToken(dataset: Dataset): string {
  const now = Math.floor(Date.now() / 1000);
  return signAccessToken(secretKey(AUTH.secret), {
    sub: dataset.userId,
    sid: dataset.sessionId,
    email: EMAIL,
    iss: AUTH.issuer,
    aud: AUTH.audience,
    iat: now,
    exp: now + 7200,
  });
}

/**
 * Checks the benchmark org's audit hash chain with Orgbase's own verifier: both servers append
 * to it, so an intact chain shows the bare server writes the entries Orgbase writes.
 */
export async function verifyAuditChain(dataset: Dataset): Promise<ChainVerdict> {
  const { rows } = await withClient(dataset.url, (db) =>
    db.query<Omit<StoredEntry, 'seq'> & { seq: string }>(
      `SELECT id, "orgId", seq, "actorType", "actorId", action, "resourceType", "resourceId", before, after, ip,
              "userAgent", "requestId", "createdAt", "prevHash", hash
       FROM audit_logs WHERE "orgId" = $1 ORDER BY seq`,
      [dataset.orgId],
    ),
  );
  async function* pages() {
    yield rows.map((row) => ({ ...row, seq: BigInt(row.seq) }));
  }
  return verifyChain(pages());
}
