import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import type { INestApplication } from '@nestjs/common';
import { LogController } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { DestinationStream, Logger } from 'pino';
import { createRootLogger, PinoNestLogger } from './common/logging/logger';
import type { AppConfig } from './config/app-config';
import { createValidationPipe } from './common/errors/validation';
import { requestIdFor } from './common/http/request-id';
import { answerClientError, answerFrameworkError } from './common/http/framework-errors';
import { InputSafetyPipe } from './common/http/input-safety.pipe';
import { CORS_EXPOSED_HEADERS, CORS_MAX_AGE_SECONDS, CORS_METHODS, CORS_REQUEST_HEADERS } from './common/http/cors';
import { SWAGGER_UI_OPTIONS } from './common/http/swagger-ui';
import { documentIdempotencyKeys } from './common/idempotency/idempotency.openapi';
import { finishDocument } from './common/openapi/document';
import { operationIdFor } from './common/openapi/operation-id';
import { ProblemDetailsSchema } from './common/openapi/problem-details.schema';

/** `logDestination` lets a test read the log; the server writes to stdout. */
export function createHttpAdapter(config: AppConfig, logDestination?: DestinationStream): FastifyAdapter {
  return new FastifyAdapter({
    loggerInstance: createRootLogger(config, logDestination),
    // One line per request, written below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    // Let in-flight requests finish on shutdown while idle keep-alive sockets close.
    forceCloseConnections: 'idle',
    trustProxy: config.TRUST_PROXY,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });
}

/** The OpenAPI document the app serves at /docs/openapi.json and `npm run openapi:write` commits. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Orgbase API')
    .setDescription(
      'Multi-tenant API behind four products: an LLM prompt & scenario workbench, an AI chat backend, ' +
        'a business-canvas platform with AI agents, and a test-automation platform. Errors are RFC 9457 ' +
        'application/problem+json (`ProblemDetails`) with a stable `code`; each operation lists the codes it answers ' +
        'and who may call it.',
    )
    .setVersion('1.0')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        'A JWT access token from /v1/auth/login (HS256 only; issuer, audience, expiry and the live session are ' +
        'checked, following RFC8725), or a service API key (`ob_...`).',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: operationIdFor,
    extraModels: [ProblemDetailsSchema],
  });
  // Idempotency-Key and its 422 first, so that the 422 gets the problem body like every error.
  return finishDocument(documentIdempotencyKeys(document));
}

/** Everything main.ts and the test app share: headers, CORS, validation, docs, request ids. */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  app.useLogger(new PinoNestLogger(fastify.log as unknown as Logger));
  // Hostile input is refused before validation (which recurses) and before the database.
  app.useGlobalPipes(new InputSafetyPipe(), createValidationPipe());
  await app.register(helmet, {
    // Swagger UI needs its inline script and styles.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        upgradeInsecureRequests: null,
      },
    },
  });
  const origins = config.corsOrigins;
  if (origins) {
    app.enableCors({
      origin: origins,
      credentials: true,
      methods: CORS_METHODS,
      allowedHeaders: CORS_REQUEST_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: CORS_MAX_AGE_SECONDS,
    });
  }
  // multipart/form-data for the routes that take files (`@RouteConfig({ multipart: true })`),
  // which read it with request.file(); anywhere else it is 415 like any body that is not JSON.
  await app.register(multipart, {
    limits: { fileSize: config.ATTACHMENT_MAX_BYTES, files: 1, fields: 10, parts: 20, fieldSize: 1024 },
  });
  fastify.addHook('preValidation', async (request) => {
    if (request.isMultipart() && !(request.routeOptions.config as { multipart?: boolean }).multipart)
      throw Object.assign(new Error('Unsupported Media Type: multipart/form-data'), { statusCode: 415 });
  });
  // JSON only: a text/plain body is 415, as is a urlencoded form (the app is created with bodyParser: false).
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });
  // The request line: method, path, status, time, with the request id (no headers, no body).
  fastify.addHook('onResponse', async (request, reply) => {
    if (request.url.startsWith('/health')) return;
    request.log.info(
      { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request completed',
    );
  });
  // While shutting down, answer in-flight requests with "Connection: close" so keep-alive
  // sockets do not hold the process open after their last response.
  fastify.addHook('onSend', async (_request, reply) => {
    if (!fastify.server.listening) void reply.header('Connection', 'close');
  });
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
    customSiteTitle: 'Orgbase API · Swagger UI',
    swaggerOptions: SWAGGER_UI_OPTIONS,
  });
}
