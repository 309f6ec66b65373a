import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createHttpAdapter } from './app.setup';
import { installGracefulShutdown } from './common/lifecycle/graceful-shutdown';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config';
import { loadEnvFile } from './config/env-file';

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
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createHttpAdapter(config), {
    bufferLogs: true,
    // No form parser: the API takes JSON only (configureApp explains).
    bodyParser: false,
  });
  await configureApp(app, config);
  await app.listen(config.PORT, config.HOST);
  const logger = new Logger('Bootstrap');
  installGracefulShutdown(app, logger, config.SHUTDOWN_TIMEOUT_MS);
  logger.log(`Orgbase listening on ${await app.getUrl()} (Swagger UI at /docs, spec at /docs/openapi.json)`);
}

void bootstrap();
