import { existsSync } from 'node:fs';
import { defineConfig } from 'prisma/config';

// Like the server, the CLI reads .env (the environment wins over the file).
if (existsSync('.env')) process.loadEnvFile('.env');

// The Prisma CLI (migrate, studio, seed) talks to PostgreSQL through DATABASE_URL.
// The server itself does not read this file: without DATABASE_URL it runs on embedded PGlite.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
    seed: 'tsx prisma/seed.ts',
  },
  datasource: {
    url: process.env.DATABASE_URL ?? '',
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
