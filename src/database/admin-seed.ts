import { hash } from 'bcrypt';
import { isEmail } from 'class-validator';
import type { SqlSession } from './migrator';
import { uuidv7 } from './prisma.service';

/** The same rules as registration (RegisterDto): a valid email, a password of 10 to 128 characters. */
export function adminCredentialsProblem(email: string | undefined, password: string | undefined): string | null {
  if (!email) return 'ADMIN_EMAIL is not set';
  if (!isEmail(email) || email.length > 254) return 'ADMIN_EMAIL is not a valid email address';
  if (!password) return 'ADMIN_PASSWORD is not set';
  if (password.length < 10 || password.length > 128) return 'ADMIN_PASSWORD must be 10 to 128 characters';
  return null;
}

export class AlreadySeededError extends Error {}

/**
 * Production seeding: the first platform admin, verified, with a bcrypt hash as registration
 * makes, and nothing else. Runs once: a database that has any user already (an earlier seed,
 * or people who registered) is refused, so a re-run cannot add a second admin by mistake.
 */
export async function seedPlatformAdmin(
  session: SqlSession,
  admin: { email: string; password: string },
  bcryptCost: number,
): Promise<string> {
  const email = admin.email.trim().toLowerCase();
  const passwordHash = await hash(admin.password, bcryptCost);
  await session.exec('BEGIN');
  try {
    // Serialises two seeds started together: the second waits, then sees the first one's user.
    await session.exec('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
    const { rows } = await session.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM users) AS any');
    if (rows[0]?.any)
      throw new AlreadySeededError(
        'The database already has users: production seeding runs once, on an empty database',
      );
    const id = uuidv7();
    await session.query(`SELECT set_config('app.email', $1, true)`, [email]);
    await session.query(
      `INSERT INTO users (id, email, name, "passwordHash", "emailVerifiedAt", "platformRole", "updatedAt")
       VALUES ($1, $2, $3, $4, now(), 'ADMIN', now())`,
      [id, email, 'Platform admin', passwordHash],
    );
    await session.exec('COMMIT');
    return id;
  } catch (error) {
    await session.exec('ROLLBACK');
    throw error;
  }
}
