import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config';
import { loadEnvFile } from './config/env-file';
import { openDatabase } from './database/database-connection';

function configOrExit(): AppConfig {
  try {
    loadEnvFile();
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

async function bootstrap(): Promise<void> {
  const config = configOrExit();
  // Open the database first and load the rest of the app while it opens (cold start: they overlap).
  const opening = openDatabase(config);
  opening.catch(() => undefined); // its failure is reported where DatabaseModule awaits it
  const [{ Logger }, { NestFactory }, { AppModule }, { configureApp, createHttpAdapter }, { installGracefulShutdown }] =
    await Promise.all([
      import('@nestjs/common'),
      import('@nestjs/core'),
      import('./app.module'),
      import('./app.setup'),
      import('./common/lifecycle/graceful-shutdown'),
    ]);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, opening),
    createHttpAdapter(config),
    {
      bufferLogs: true,
      // No form parser: the API takes JSON only (configureApp explains).
      bodyParser: false,
    },
  );
  await configureApp(app, config);
  await app.listen(config.PORT, config.HOST);
  const logger = new Logger('Bootstrap');
  installGracefulShutdown(app, logger, config.SHUTDOWN_TIMEOUT_MS);
  logger.log(`Orgbase listening on ${await app.getUrl()} (Swagger UI at /docs, spec at /docs/openapi.json)`);
}

void bootstrap();
