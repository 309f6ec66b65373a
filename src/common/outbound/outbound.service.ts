import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AppException } from '../errors/app-exception';
import { outboundFetch } from './outbound-fetch';
import {
  checkOutboundHost,
  checkOutboundUrl,
  OutboundRefusedError,
  outboundRules,
  type OutboundRules,
} from './outbound-policy';

/** The outbound (SSRF) policy of this server's configuration; see outbound-policy.ts. */
@Injectable()
export class OutboundPolicy {
  readonly rules: OutboundRules;
  /** A fetch that checks every connection against the policy (for SDK clients). */
  readonly fetch: typeof fetch;

  constructor(config: AppConfig) {
    this.rules = outboundRules(config);
    this.fetch = outboundFetch(this.rules);
  }

  /** Checks a URL a client submits: 422 OUTBOUND_URL_REFUSED with the reason on `field`. */
  assertAllowed(url: string, field: string): Promise<void> {
    return refusedAs422(field, () => checkOutboundUrl(url, this.rules));
  }

  /** The same for a bare host name or address (a TCP target such as an SSH host). */
  assertHostAllowed(host: string, field: string): Promise<void> {
    return refusedAs422(field, () => checkOutboundHost(host.replace(/^\[(.*)\]$/, '$1'), this.rules));
  }
}

async function refusedAs422(field: string, check: () => Promise<unknown>): Promise<void> {
  try {
    await check();
  } catch (error) {
    if (!(error instanceof OutboundRefusedError)) throw error;
    throw new AppException('OUTBOUND_URL_REFUSED', `${field} is refused: ${error.reason}`, [
      { field, messages: [error.reason] },
    ]);
  }
}
