import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Prisma } from '../../generated/prisma/client';
import { isDatabaseUnavailable } from '../../database/database-errors';
import { AppException, type ErrorCode, type FieldError } from './app-exception';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldError[];
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  409: 'DUPLICATE',
  412: 'VERSION_CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  428: 'PRECONDITION_REQUIRED',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

export function problemType(code: ErrorCode): string {
  return `urn:orgbase:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

/** The status's reason phrase, e.g. `Not found` for 404. */
export function reasonPhrase(status: number): string {
  return (
    HttpStatus[status]
      ?.replace(/_/g, ' ')
      .toLowerCase()
      .replace(/^\w/, (c) => c.toUpperCase()) ?? 'Error'
  );
}

/**
 * Renders every error as RFC 9457 application/problem+json with a stable code.
 * Nothing internal (stack, SQL, constraint names) reaches the client; 5xx are logged.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = this.toProblem(exception, String(request.id));
    // A 5xx the code chose (a provider failed: 502; a deadline: 503) is an outcome, not a bug: one
    // warning line with its code; anything else is unexpected and logged with its stack.
    if (exception instanceof AppException && problem.status >= 500) {
      this.logger.warn(
        { code: problem.code, detail: problem.detail, requestId: problem.requestId },
        'Answered with a server error',
      );
    } else if (problem.status >= 500) {
      this.logger.error({ err: exception, requestId: problem.requestId }, 'Unhandled error');
    }
    if (exception instanceof AppException && exception.retryAfterSeconds)
      void reply.header('retry-after', String(exception.retryAfterSeconds));
    void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
  }

  toProblem(exception: unknown, requestId: string): ProblemDetails {
    const { code, status, detail, errors } = this.classify(exception);
    return {
      type: problemType(code),
      title: reasonPhrase(status),
      status,
      detail,
      code,
      requestId,
      ...(errors ? { errors } : {}),
    };
  }

  private classify(exception: unknown): { code: ErrorCode; status: number; detail: string; errors?: FieldError[] } {
    if (exception instanceof AppException) {
      return { code: exception.code, status: exception.status, detail: exception.detail, errors: exception.errors };
    }
    if (exception instanceof Prisma.PrismaClientKnownRequestError) {
      if (exception.code === 'P2002') {
        const target = uniqueTarget(exception);
        return {
          code: 'DUPLICATE',
          status: 409,
          detail: target ? `A record with this ${target} already exists` : 'A record with these values already exists',
        };
      }
      if (exception.code === 'P2025') return { code: 'NOT_FOUND', status: 404, detail: 'Resource not found' };
      // Services check references they are given; what reaches here is a delete the schema restricts.
      if (exception.code === 'P2003') {
        return { code: 'IN_USE', status: 409, detail: 'Other records still use this one; remove or change them first' };
      }
    }
    // Down, restarting, out of connections, or the connection dropped: worth a retry, never a 500.
    if (isDatabaseUnavailable(exception)) {
      return { code: 'UNAVAILABLE', status: 503, detail: 'The database is busy or unreachable; retry shortly' };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED');
      return { code, status, detail: httpDetail(exception) };
    }
    // Errors raised by Fastify itself (body parsing, size limit, media type) carry a statusCode.
    const statusCode = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return {
        code: CODE_BY_STATUS[statusCode] ?? 'VALIDATION_FAILED',
        status: statusCode,
        detail: (exception as Error).message,
      };
    }
    return { code: 'INTERNAL', status: 500, detail: 'An unexpected error occurred' };
  }
}

function httpDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

type UniqueViolationMeta = {
  target?: unknown;
  driverAdapterError?: {
    cause?: { table?: string; originalMessage?: string; constraint?: { fields?: string[]; index?: string } };
  };
};

/**
 * The unique fields (without orgId) of a P2002. Adapters report them differently: as fields,
 * as the index name with its table, or only in the database's message. Index names are
 * Prisma's `<table>_<fields>_key`, with snake_case tables and camelCase fields.
 */
function uniqueTarget(error: Prisma.PrismaClientKnownRequestError): string | undefined {
  const meta = error.meta as UniqueViolationMeta | undefined;
  const cause = meta?.driverAdapterError?.cause;
  const fields =
    cause?.constraint?.fields ??
    (Array.isArray(meta?.target) ? (meta.target as string[]) : undefined) ??
    fieldsFromIndex(
      cause?.constraint?.index ?? /unique constraint "([^"]+)"/.exec(cause?.originalMessage ?? '')?.[1],
      cause?.table,
    );
  const names = fields?.map((field) => field.replace(/"/g, '')).filter((field) => field !== 'orgId');
  return names?.length ? names.join(', ') : undefined;
}

function fieldsFromIndex(index: string | undefined, table: string | undefined): string[] | undefined {
  if (!index?.endsWith('_key')) return undefined;
  const body = index.slice(0, -'_key'.length);
  if (table && body.startsWith(`${table}_`)) return body.slice(table.length + 1).split('_');
  const parts = body.split('_');
  const firstCamel = parts.findIndex((part) => /[A-Z]/.test(part));
  return firstCamel > 0 ? parts.slice(firstCamel) : parts.slice(-1);
}
