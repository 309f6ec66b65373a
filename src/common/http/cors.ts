/** What a browser frontend on an allowed origin may send and read (CORS_ORIGINS picks the origins). */
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export const CORS_REQUEST_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'Idempotency-Key',
  'If-Match',
  'X-Request-Id',
];

/** Response headers scripts may read: ids for support, versions for If-Match, replays, and when to retry. */
export const CORS_EXPOSED_HEADERS = [
  'X-Request-Id',
  'ETag',
  'Location',
  'Idempotent-Replayed',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
];

/** Preflight answers are cached by the browser for this long (Chromium caps it at 2 h). */
export const CORS_MAX_AGE_SECONDS = 7200;
