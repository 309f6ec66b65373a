import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import type { AppConfig } from '../../config/app-config';

/** One pino logger for the process: Fastify's request logs and Nest's own messages share it. */
export function createRootLogger(config: AppConfig, destination?: DestinationStream): Pino {
  return pino(
    {
      level: config.LOG_LEVEL,
      // Belt and braces: request lines carry no headers, but a logged object might.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.password', '*.token'],
    },
    destination,
  );
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's LoggerService over pino. Nest passes the context (the `new Logger('Name')` name) as the
 * last string; an object message (`logger.error({ err }, 'text')`) becomes structured fields.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...rest: unknown[]) {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]) {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    const context = rest.length && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const text = rest.find((part): part is string => typeof part === 'string');
    if (message !== null && typeof message === 'object') {
      this.pino[level]({ ...(message as object), context }, text ?? '');
    } else {
      // Nest's `error(message, stack, context)`: the middle string is a stack trace.
      this.pino[level]({ context, ...(text ? { stack: text } : {}) }, String(message));
    }
  }
}
