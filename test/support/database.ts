import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { pgSession } from '../../src/database/database-connection';
import { applyMigrations } from '../../src/database/migrator';

/**
 * One freshly migrated database per test file. With DATABASE_URL: a PostgreSQL database cloned
 * from a template migrated once per run (global-setup.ts). Without it: an in-memory PGlite
 * instance that the app migrates itself (DATA_DIR=memory://).
 */
export interface TestDatabase {
  /** DATABASE_URL for the app, or undefined for embedded PGlite. */
  url?: string;
  drop(): Promise<void>;
}

export const TEMPLATE_DATABASE = 'orgbase_test_template';

export function serverUrl(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdminClient<T>(url: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Drops and re-creates the template database and migrates it with the server's own migrator. */
export async function prepareTemplate(url: string): Promise<void> {
  await withAdminClient(url, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  });
  const client = new Client({ connectionString: withDatabase(url, TEMPLATE_DATABASE) });
  await client.connect();
  try {
    await applyMigrations(pgSession(client));
  } finally {
    await client.end();
  }
}

export async function dropTemplate(url: string): Promise<void> {
  await withAdminClient(url, (admin) => admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`));
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const url = serverUrl();
  if (!url) return { url: undefined, drop: async () => undefined };
  const name = `orgbase_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(url, (admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`));
  return {
    url: withDatabase(url, name),
    drop: () =>
      withAdminClient(url, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}
