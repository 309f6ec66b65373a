import { lookup } from 'node:dns/promises';
import { connect, isIP } from 'node:net';
import { AppException } from '../../common/errors/app-exception';
import { addressRefusal, type OutboundRules } from '../../common/outbound/outbound-policy';

/** A target host name that does not resolve (recorded as the check's or test's error, not a 4xx). */
export class UnresolvedHostError extends Error {
  override name = 'UnresolvedHostError';
}

/**
 * The address to connect to for `host` (a name or an IP address), after the outbound (SSRF)
 * policy: every address the name resolves to must pass, and the connection then goes to the
 * checked address itself, so a second lookup cannot answer differently (DNS rebinding).
 * Throws 422 OUTBOUND_URL_REFUSED on `field` when refused, UnresolvedHostError when it does not resolve.
 */
export async function resolveTarget(host: string, rules: OutboundRules, field: string): Promise<string> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(bare)) addresses = [bare];
  else {
    try {
      addresses = (await lookup(bare, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UnresolvedHostError(`${bare} does not resolve${code ? ` (${code})` : ''}`);
    }
  }
  for (const address of addresses) {
    const reason = addressRefusal(address, rules, bare);
    if (reason)
      throw new AppException('OUTBOUND_URL_REFUSED', `${field} is refused: ${reason}`, [{ field, messages: [reason] }]);
  }
  if (addresses.length === 0) throw new UnresolvedHostError(`${bare} does not resolve`);
  return addresses[0]!;
}

/** What one TCP connection attempt found: connected (and how fast), or why not. */
export type TcpProbe = { ok: true; latencyMs: number } | { ok: false; latencyMs: number; error: string };

/** Opens a TCP connection to address:port and closes it at once; never throws. */
export function probeTcp(address: string, port: number, timeoutMs: number): Promise<TcpProbe> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: timeoutMs });
    const finish = (result: TcpProbe) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => finish({ ok: true, latencyMs: elapsed() }));
    socket.once('timeout', () =>
      finish({ ok: false, latencyMs: elapsed(), error: `No answer from port ${port} within ${timeoutMs} ms` }),
    );
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({ ok: false, latencyMs: elapsed(), error: connectionError(error, port) }),
    );
  });
}

/** A socket error in words (the address and port, never anything else the caller sent). */
export function connectionError(error: NodeJS.ErrnoException, port: number): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `Connection refused on port ${port}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'The host is unreachable';
    case 'ETIMEDOUT':
      return `No answer from port ${port}`;
    case 'ECONNRESET':
      return 'The connection was reset';
    default:
      return error.code ? `Connection failed (${error.code})` : error.message;
  }
}
