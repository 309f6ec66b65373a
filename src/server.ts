import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createHttpAdapter } from './app.setup';
import { installGracefulShutdown } from './common/lifecycle/graceful-shutdown';
import type { AppConfig } from './config/app-config';

/**
 * One server process: the app listening on PORT until SIGTERM/SIGINT. Returns the graceful
 * shutdown, which a cluster worker also runs when its primary asks (src/cluster.ts).
 */
export async function startServer(config: AppConfig): Promise<(signal: NodeJS.Signals) => Promise<void>> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createHttpAdapter(config), {
    bufferLogs: true,
    // No form parser: the API takes JSON only (configureApp explains).
    bodyParser: false,
  });
  await configureApp(app, config);
  await app.listen(config.PORT, config.HOST);
  const logger = new Logger('Bootstrap');
  const shutdown = installGracefulShutdown(app, logger, config.SHUTDOWN_TIMEOUT_MS);
  logger.log(`Orgbase listening on ${await app.getUrl()} (Swagger UI at /docs, spec at /docs/openapi.json)`);
  return shutdown;
}
