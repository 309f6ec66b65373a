import { Client } from 'pg';
import { AlreadySeededError, adminCredentialsProblem, seedPlatformAdmin } from '../src/database/admin-seed';
import { pgSession } from '../src/database/database-connection';

// scripts/db-seed.sh production: only the platform admin, from ADMIN_EMAIL and ADMIN_PASSWORD.
async function main(): Promise<number> {
  const { DATABASE_URL: url, ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = process.env;
  if (!url) return fail('DATABASE_URL is not set');
  const problem = adminCredentialsProblem(email, password);
  if (problem) return fail(problem);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const cost = Number(process.env.BCRYPT_COST || 12);
    await seedPlatformAdmin(pgSession(client), { email: email!, password: password! }, cost);
    console.log(`Created the platform admin ${email!.trim().toLowerCase()}`);
    return 0;
  } catch (error) {
    if (error instanceof AlreadySeededError) return fail(error.message);
    throw error;
  } finally {
    await client.end();
  }
}

function fail(message: string): number {
  console.error(`db-seed: ${message}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`db-seed: ${(error as Error).message}`);
    process.exit(1);
  },
);
