import { Injectable } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import { uuidv7 } from '../../database/prisma.service';

/** A stored key; its response is null only inside the transaction of the request that claimed it. */
export interface IdempotencyRow {
  encryptedResponse: string | null;
}

/** The idempotency_keys table: rows of the current org's or user's scope (row-level security). */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly db: DbContext) {}

  /**
   * Claims `key` for the current request until the transaction ends: inserts it, or takes over an
   * expired row. False when a live row holds it. While another request that claimed the key is
   * still in flight, this waits on the unique index until that request commits or rolls back.
   */
  async claim(scopeId: string, key: string, ttlSeconds: number): Promise<boolean> {
    const rows = await this.db.client.$queryRaw<{ id: string }[]>`
      INSERT INTO idempotency_keys (id, "scopeId", key, "expiresAt")
      VALUES (${uuidv7()}::uuid, ${scopeId}::uuid, ${key}, now() + make_interval(secs => ${ttlSeconds}))
      ON CONFLICT ("scopeId", key) DO UPDATE
        SET "encryptedResponse" = NULL, "createdAt" = now(), "expiresAt" = EXCLUDED."expiresAt"
        WHERE idempotency_keys."expiresAt" <= now()
      RETURNING id::text AS id`;
    return rows.length > 0;
  }

  find(scopeId: string, key: string): Promise<IdempotencyRow | null> {
    return this.db.client.idempotencyKey.findUnique({
      where: { scopeId_key: { scopeId, key } },
      select: { encryptedResponse: true },
    });
  }

  async saveResponse(scopeId: string, key: string, encryptedResponse: string): Promise<void> {
    await this.db.client.idempotencyKey.update({
      where: { scopeId_key: { scopeId, key } },
      data: { encryptedResponse },
    });
  }

  /** Deletes expired keys of every scope (a definer function: no scope sees them all); how many went. */
  async purgeExpired(): Promise<number> {
    const [row] = await this.db.client.$queryRaw<{ purged: number }[]>`
      SELECT app_purge_expired_idempotency_keys() AS purged`;
    return row?.purged ?? 0;
  }
}
