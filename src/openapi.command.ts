import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { buildOpenApiDocument, createHttpAdapter } from './app.setup';
import { loadConfig } from './config/app-config';
import { canonicalJson } from './common/openapi/document';

/** The committed document that clients are generated from and the linters read. */
export const OPENAPI_FILE = join(__dirname, '..', 'openapi', 'openapi.json');

const USAGE = 'usage: node dist/openapi.command.js write | check [URL of a served /docs/openapi.json]';

/**
 * The document the built app serves, made without a port or a real database: the app boots on an
 * in-memory embedded database (a few seconds of migrations). Run from the `nest build` output:
 * the Swagger compiler plugin that reads DTOs and doc comments runs there, not under Jest.
 */
async function documentOfTheApp(): Promise<unknown> {
  const config = loadConfig({ DATA_DIR: 'memory://', SEED_DEMO_DATA: 'false', LOG_LEVEL: 'silent' });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createHttpAdapter(config), {
    logger: false,
  });
  try {
    await app.init();
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

async function documentAt(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}

/**
 * `npm run openapi:write` rewrites openapi/openapi.json from the app; `npm run openapi:check`
 * fails when it is stale, against the app or (`check URL`) against a running server.
 */
export async function runOpenApiCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  const [command, url] = args;
  if (command !== 'write' && command !== 'check') {
    print(USAGE);
    return 2;
  }
  const current = canonicalJson(url ? await documentAt(url) : await documentOfTheApp());
  if (command === 'write') {
    writeFileSync(OPENAPI_FILE, current);
    print(`Wrote ${OPENAPI_FILE}`);
    return 0;
  }
  let committed = '';
  try {
    committed = readFileSync(OPENAPI_FILE, 'utf8');
  } catch {
    // A missing file is stale too.
  }
  if (committed === current) {
    print(`${OPENAPI_FILE} matches ${url ?? 'the app'}`);
    return 0;
  }
  print(
    `${OPENAPI_FILE} is stale against ${url ?? 'the app'}: run 'npm run openapi:write && npm run client:generate' and commit`,
  );
  return 1;
}

if (require.main === module) {
  runOpenApiCommand(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`openapi: ${(error as Error).message ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
