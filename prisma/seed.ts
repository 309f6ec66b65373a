import { PrismaPg } from '@prisma/adapter-pg';
import { DemoSeeder } from '../src/database/demo-seed';
import { PrismaClient } from '../src/generated/prisma/client';

// `npm run db:seed`: the embedded server's demo data, on the PostgreSQL database in DATABASE_URL.
async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (the embedded database seeds itself on first start)');
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  try {
    const seeded = await new DemoSeeder(prisma, console).seedIfEmpty();
    if (!seeded) console.log('The database already has users; nothing seeded.');
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
