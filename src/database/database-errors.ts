/**
 * Whether an error means "the database is not there right now" (down, restarting, refusing,
 * dropped the connection, out of connections) rather than "this request is wrong". Such errors
 * are worth a retry: the API answers 503 UNAVAILABLE, never 401 or 500.
 *
 * Errors arrive in many wrappings (Prisma known/unknown/initialization errors, the pg adapter's
 * DriverAdapterError with a `cause`, raw `pg` and socket errors), so the whole cause chain is read.
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2037']);
/** SQLSTATE: admin/crash shutdown, cannot connect now, too many connections, out of resources. */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
const ADAPTER_KINDS = new Set([
  'ConnectionClosed',
  'DatabaseNotReachable',
  'DatabaseDoesNotExist',
  'TooManyConnections',
  'SocketTimeout',
  'TransactionAlreadyClosed',
]);
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const MESSAGES =
  /connection terminated|connection error|terminating connection|timeout exceeded when trying to connect|can't reach database server|server closed the connection|connection is closed|Connection refused/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length) {
    const current = pending.pop();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const { code, kind, message, cause, meta, originalCode, name } = current as Record<string, unknown>;
    if (typeof code === 'string' && (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || isUnavailableState(code)))
      return true;
    if (typeof originalCode === 'string' && isUnavailableState(originalCode)) return true;
    if (typeof kind === 'string' && ADAPTER_KINDS.has(kind)) return true;
    if (name === 'PrismaClientInitializationError') return true;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    pending.push(cause, meta, (meta as Record<string, unknown> | undefined)?.driverAdapterError);
  }
  return false;
}

/** Class 08 is "connection exception"; the others are listed above. */
function isUnavailableState(state: string): boolean {
  return SQLSTATES.has(state) || /^08[0-9A-Z]{3}$/.test(state);
}
