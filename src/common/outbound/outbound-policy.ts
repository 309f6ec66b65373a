import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The SSRF policy for requests the server makes on a user's behalf (provider base URLs; later
 * webhooks, git servers, hosts). A URL is refused when its scheme is not http(s), it carries
 * credentials, or any address its host resolves to is not a public unicast address — except that
 * loopback, private, unique-local and CGNAT addresses pass when `allowPrivate` is set (or the host
 * is on `allowedHosts`). Link-local, cloud metadata, unspecified, multicast, broadcast and reserved
 * addresses never pass. The check runs at save time and again at connect time (guardedLookup), so
 * a name that resolves differently later (DNS rebinding) is still refused.
 */
export interface OutboundRules {
  allowPrivate: boolean;
  /** Lower-case host names or addresses that may resolve to private addresses. */
  allowedHosts: readonly string[];
}

/** Metadata services of the clouds: refused whatever the configuration says. */
const METADATA_ADDRESSES = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
  '169.254.170.2', // AWS ECS task metadata
  'fd00:ec2::254', // AWS over IPv6
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud (classic)
]);

/** Ranges that pass only when private addresses are allowed, with the words a refusal uses. */
const PRIVATE_RANGES: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  uniqueLocal: 'a unique-local address',
  carrierGradeNat: 'a carrier-grade NAT address',
};

const RANGE_WORDS: Record<string, string> = {
  linkLocal: 'a link-local address',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
};

/** A URL or address the policy refuses; `reason` says why in words a client may see. */
export class OutboundRefusedError extends Error {
  override name = 'OutboundRefusedError';
  readonly code = 'OUTBOUND_URL_REFUSED';
  constructor(readonly reason: string) {
    super(`Outbound request refused: ${reason}`);
  }
}

/** Why `address` may not be reached for `host`, or null when it may. */
export function addressRefusal(address: string, rules: OutboundRules, host = address): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let ip = ipaddr.parse(address);
  // ::ffff:10.0.0.1 reaches 10.0.0.1: judge the IPv4 address inside.
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const normal = ip.toString();
  if (METADATA_ADDRESSES.has(normal)) return `${host} resolves to ${normal}, a cloud metadata address`;
  const range = ip.range();
  if (range === 'unicast') return null;
  const privateWords = PRIVATE_RANGES[range];
  if (privateWords) {
    if (rules.allowPrivate || rules.allowedHosts.includes(host.toLowerCase())) return null;
    return `${host} resolves to ${normal}, ${privateWords} (set OUTBOUND_ALLOW_PRIVATE or OUTBOUND_ALLOWED_HOSTS to allow it)`;
  }
  return `${host} resolves to ${normal}, ${RANGE_WORDS[range] ?? `a special-purpose address (${range})`}`;
}

/** The host of a URL as an address or a name: IPv6 literals lose their brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

function lookupAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );
}

/**
 * Checks a URL before it is stored: throws OutboundRefusedError with the reason, or returns the
 * parsed URL. `resolve` is replaceable for tests (DNS answers that name private addresses).
 */
export async function checkOutboundUrl(
  raw: string,
  rules: OutboundRules,
  resolve: (host: string) => Promise<LookupAddress[]> = lookupAll,
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefusedError('not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new OutboundRefusedError(`the scheme ${url.protocol.replace(':', '')} is not allowed (http or https only)`);
  if (url.username || url.password) throw new OutboundRefusedError('the URL must not carry credentials');
  await checkOutboundHost(hostOf(url), rules, resolve);
  return url;
}

/**
 * Checks a bare host (a name or an address, e.g. a TCP target) the same way: every address it
 * resolves to must pass. Throws OutboundRefusedError.
 */
export async function checkOutboundHost(
  host: string,
  rules: OutboundRules,
  resolve: (host: string) => Promise<LookupAddress[]> = lookupAll,
): Promise<void> {
  let addresses: string[];
  if (ipaddr.isValid(host)) addresses = [host];
  else {
    try {
      addresses = (await resolve(host)).map((entry) => entry.address);
    } catch {
      throw new OutboundRefusedError(`${host} does not resolve`);
    }
    if (addresses.length === 0) throw new OutboundRefusedError(`${host} does not resolve`);
  }
  for (const address of addresses) {
    const reason = addressRefusal(address, rules, host);
    if (reason) throw new OutboundRefusedError(reason);
  }
}

/**
 * A `lookup` for sockets (http.Agent, net.connect) that refuses any answer the policy refuses, so
 * what was checked at save time is checked again on every connection. Sockets do not call lookup
 * for IP literals: callers check those themselves (outboundFetch does).
 */
export function guardedLookup(
  rules: OutboundRules,
  resolve: (host: string) => Promise<LookupAddress[]> = lookupAll,
): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    resolve(hostname).then(
      (addresses) => {
        const refused = addresses.map((a) => addressRefusal(a.address, rules, hostname)).find(Boolean);
        if (refused) return callback(new OutboundRefusedError(refused));
        if (addresses.length === 0)
          return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }));
        if (options?.all) return callback(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: unknown) => callback(error),
    );
  }) as unknown as LookupFunction;
}

/** Reads the rules from the configuration values. */
export function outboundRules(config: {
  OUTBOUND_ALLOW_PRIVATE: boolean;
  OUTBOUND_ALLOWED_HOSTS: string;
}): OutboundRules {
  return {
    allowPrivate: config.OUTBOUND_ALLOW_PRIVATE,
    allowedHosts: config.OUTBOUND_ALLOWED_HOSTS.split(',')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
  };
}
