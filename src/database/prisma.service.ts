import { randomBytes } from 'node:crypto';
import type { OnApplicationShutdown } from '@nestjs/common';
import { PrismaClient, type User } from '../generated/prisma/client';
import type { DatabaseConnection } from './database-connection';

/**
 * A user row as the server may read it: the app role has no SELECT privilege on passwordHash
 * (identity_rls migration), so no query returns it. The login and password-change flows get the
 * one hash they need from app_password_hash().
 */
export type PublicUser = Omit<User, 'passwordHash'>;

/**
 * Never asked for, so never in a SELECT or RETURNING list: creates and updates of users would
 * otherwise fail on the column privilege.
 */
const OMIT = { user: { passwordHash: true } } as const;

/** The Prisma client over whichever database the server opened. Only repositories use it. */
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  private closing?: Promise<void>;

  /**
   * @param transactionMaxWaitMs how long a transaction may wait to start (for a pooled connection
   *   and its BEGIN): never shorter than the pool's own wait (DATABASE_CONNECT_TIMEOUT_MS), or
   *   Prisma would give up first, while the pool still had a connection coming.
   */
  constructor(
    readonly connection: DatabaseConnection,
    readonly transactionMaxWaitMs = 10_000,
  ) {
    super({ adapter: connection.adapter, omit: OMIT });
  }

  /** Runs after the HTTP server has closed, so in-flight requests still have their database. Idempotent. */
  onApplicationShutdown(): Promise<void> {
    this.closing ??= this.$disconnect().then(() => this.connection.close());
    return this.closing;
  }
}

let lastMs = 0;
let sequence = 0;

/**
 * A UUIDv7 like the schema's @default(uuid(7)), for rows whose id must be known before they are
 * inserted (an organization is created inside its own RLS scope). Ids made in one process sort in
 * the order they were made, also within one millisecond (a 12-bit counter in rand_a).
 */
export function uuidv7(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    sequence = randomBytes(2).readUInt16BE(0) & 0x3ff;
  } else if (++sequence > 0xfff) {
    lastMs += 1;
    sequence = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
