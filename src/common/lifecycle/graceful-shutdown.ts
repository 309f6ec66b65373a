import type { INestApplication, LoggerService } from '@nestjs/common';

/**
 * On SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, close the
 * database (module destroy hooks), then exit 0; exit 1 if that takes longer than timeoutMs.
 * Returns the handler so tests can drive it without signalling the test runner.
 */
export function installGracefulShutdown(
  app: INestApplication,
  logger: Pick<LoggerService, 'log' | 'error'>,
  timeoutMs: number,
  exit: (code: number) => void = (code) => process.exit(code),
): (signal: NodeJS.Signals) => Promise<void> {
  let closing: Promise<void> | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    closing ??= (async () => {
      logger.log(`${signal} received, finishing in-flight requests`);
      const timer = setTimeout(() => {
        logger.error(`Shutdown took longer than ${timeoutMs} ms, exiting`);
        exit(1);
      }, timeoutMs);
      timer.unref();
      try {
        await app.close();
        clearTimeout(timer);
        logger.log('Shutdown complete');
        exit(0);
      } catch (error) {
        clearTimeout(timer);
        logger.error(`Shutdown failed: ${String(error)}`);
        exit(1);
      }
    })();
    return closing;
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return shutdown;
}
