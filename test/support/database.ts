import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { Client } from 'pg';
import { pgliteSession, pgSession } from '../../src/database/database-connection';
import { applyMigrations } from '../../src/database/migrator';

/**
 * One freshly migrated database per test app, copied from a template migrated once per run
 * (global-setup.ts). With DATABASE_URL: a PostgreSQL database made with CREATE DATABASE …
 * TEMPLATE. Without it: an in-memory PGlite loaded from a dump of a migrated PGlite data
 * directory (initdb and the migrations cost seconds; loading the dump well under one). The app
 * still runs its migrator at boot, which finds nothing to do.
 */
export interface TestDatabase {
  /** DATABASE_URL for the app, or undefined for embedded PGlite. */
  url?: string;
  /** PGlite options for the embedded database: the template to start from. */
  embedded: PGliteOptions;
  drop(): Promise<void>;
}

export const TEMPLATE_DATABASE = 'orgbase_test_template';
/** Where global-setup.ts left the PGlite template (a tar of its data directory) for this run. */
const PGLITE_TEMPLATE_ENV = 'ORGBASE_TEST_PGLITE_TEMPLATE';
/** Set once the PostgreSQL template is migrated, so a second project's global setup reuses it. */
const POSTGRES_TEMPLATE_ENV = 'ORGBASE_TEST_POSTGRES_TEMPLATE';

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

/** Migrates this run's template once, with the server's own migrator (each Jest project asks). */
export async function prepareTemplate(): Promise<void> {
  const url = serverUrl();
  if (url) {
    if (process.env[POSTGRES_TEMPLATE_ENV] === url) return;
    await preparePostgresTemplate(url);
    process.env[POSTGRES_TEMPLATE_ENV] = url;
    return;
  }
  const file = process.env[PGLITE_TEMPLATE_ENV];
  if (file && existsSync(file)) return;
  process.env[PGLITE_TEMPLATE_ENV] = await preparePgliteTemplate();
}

export async function dropTemplate(): Promise<void> {
  const url = serverUrl();
  if (url && process.env[POSTGRES_TEMPLATE_ENV]) {
    await withAdminClient(url, (admin) => admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`));
  }
  const file = process.env[PGLITE_TEMPLATE_ENV];
  if (file) rmSync(dirname(file), { recursive: true, force: true });
  delete process.env[POSTGRES_TEMPLATE_ENV];
  delete process.env[PGLITE_TEMPLATE_ENV];
}

/** Migrates a template on the given server (the run's, or a cluster of a test's own). */
export async function preparePostgresTemplate(url: string): Promise<void> {
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

/** Migrates an in-memory PGlite and writes its data directory to a temporary tar file; returns its path. */
async function preparePgliteTemplate(): Promise<string> {
  const pglite = await PGlite.create('memory://');
  try {
    await applyMigrations(pgliteSession(pglite));
    // Uncompressed: loading skips gunzip, which costs more than reading the larger file.
    const dump = await pglite.dumpDataDir('none');
    const file = join(mkdtempSync(join(tmpdir(), 'orgbase-test-')), 'template.tar');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    return file;
  } finally {
    await pglite.close();
  }
}

/** The PGlite template, read once per test file (each file has its own module registry). */
let pgliteTemplate: Blob | undefined;

function embeddedTemplate(): PGliteOptions {
  const file = process.env[PGLITE_TEMPLATE_ENV];
  // Without the global setup (a file run outside the projects) the app migrates a fresh instance.
  if (!file) return {};
  pgliteTemplate ??= new Blob([readFileSync(file)]);
  return { loadDataDir: pgliteTemplate };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const url = serverUrl();
  if (!url) return { url: undefined, embedded: embeddedTemplate(), drop: async () => undefined };
  const name = `orgbase_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(url, (admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`));
  return {
    url: withDatabase(url, name),
    embedded: {},
    drop: () =>
      withAdminClient(url, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}
