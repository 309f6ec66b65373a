import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteSession } from './database-connection';
import { applyMigrations, MIGRATIONS_DIR, readMigrations } from './migrator';

describe('migrator', () => {
  it('reads every migration in order with the checksum Prisma Migrate records (SHA-256 of migration.sql)', () => {
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect([...migrations.map((m) => m.name)].sort()).toEqual(migrations.map((m) => m.name));
    for (const migration of migrations) {
      const file = readFileSync(join(MIGRATIONS_DIR, migration.name, 'migration.sql'));
      expect(migration.checksum).toBe(createHash('sha256').update(file).digest('hex'));
    }
  });

  it('applies pending migrations once, records them, and is a no-op the second time', async () => {
    const pglite = await PGlite.create('memory://');
    try {
      const session = pgliteSession(pglite);
      const first = await applyMigrations(session);
      expect(first).toEqual(readMigrations().map((m) => m.name));
      expect(await applyMigrations(session)).toEqual([]);
      const { rows } = await pglite.query<{
        migration_name: string;
        finished_at: Date | null;
        applied_steps_count: number;
      }>('SELECT migration_name, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name');
      expect(rows.map((row) => row.migration_name)).toEqual(first);
      expect(rows.every((row) => row.finished_at !== null && row.applied_steps_count === 1)).toBe(true);
    } finally {
      await pglite.close();
    }
  });

  it('records a failed migration and refuses to go on until it is resolved', async () => {
    const pglite = await PGlite.create('memory://');
    try {
      const session = pgliteSession(pglite);
      const broken = [
        { name: '20000101000000_broken', sql: 'CREATE TABLE t (id int); SELECT * FROM missing_table;', checksum: 'x' },
      ];
      await expect(applyMigrations(session, broken)).rejects.toThrow(/20000101000000_broken failed/);
      const { rows } = await pglite.query<{ finished_at: Date | null; logs: string }>(
        'SELECT finished_at, logs FROM _prisma_migrations',
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.finished_at).toBeNull();
      expect(rows[0]!.logs).toContain('missing_table');
      // The failed script left nothing behind.
      const tables = await pglite.query("SELECT 1 FROM information_schema.tables WHERE table_name = 't'");
      expect(tables.rows).toHaveLength(0);
      await expect(applyMigrations(session, broken)).rejects.toThrow(/failed earlier/);
    } finally {
      await pglite.close();
    }
  });
});
