import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problemType } from '../errors/problem-details.filter';

/**
 * Errors Fastify and Node answer before any route (and so before helmet and the problem filter)
 * run: a malformed or overlong URL, oversized headers, an unparsable request. They get the same
 * problem+json, request id and security headers as everything else, and never echo the input.
 */
const BARE_SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function problemBody(status: number, detail: string, requestId: string): string {
  return JSON.stringify({
    type: problemType('VALIDATION_FAILED'),
    title: STATUS_CODES[status] ?? 'Bad Request',
    status,
    detail,
    code: 'VALIDATION_FAILED',
    requestId,
  });
}

const FRAMEWORK_DETAIL: Record<string, { status: number; detail: string }> = {
  FST_ERR_BAD_URL: { status: 400, detail: 'The URL is not valid (bad percent-encoding)' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, detail: 'A path parameter is longer than 100 characters' },
};

/** Fastify's `frameworkErrors`: routing failed before a route was found. */
export function answerFrameworkError(error: { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const { status, detail } = FRAMEWORK_DETAIL[error.code ?? ''] ?? { status: 400, detail: 'The request is not valid' };
  void reply
    .status(status)
    .headers({ ...BARE_SECURITY_HEADERS, 'X-Request-Id': request.id })
    .type('application/problem+json; charset=utf-8')
    .send(problemBody(status, detail, request.id));
}

/** Fastify's `clientErrorHandler`: Node's HTTP parser refused the request (no request object exists). */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are larger than the server accepts']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request took too long to arrive']
        : [400, 'The request could not be parsed as HTTP'];
  const requestId = randomUUID();
  const body = problemBody(status, detail, requestId);
  const headers = {
    ...BARE_SECURITY_HEADERS,
    'Content-Type': 'application/problem+json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Request-Id': requestId,
    Connection: 'close',
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n\r\n${body}`);
}
