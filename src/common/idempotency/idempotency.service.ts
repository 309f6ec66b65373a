import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import { PeriodicSweep } from '../../jobs/periodic-sweep';
import { AppException } from '../errors/app-exception';
import { KeyRing } from '../secrets/key-ring.provider';
import { secretAad } from '../secrets/secret-columns';
import { IdempotencyRepository } from './idempotency.repository';

/** How long a key and its response are kept. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
const PURGE_EVERY_SECONDS = 10 * 60;

/** A request that carries an Idempotency-Key. */
export interface KeyedRequest {
  /** The key space: the organization on tenant routes and for API keys, the user elsewhere. */
  scopeId: string;
  key: string;
  /** Who sent what to where: a retry must match it. */
  fingerprint: string;
}

/** What the client got: replayed as it was. */
export interface StoredResponse {
  status: number;
  /** Location and ETag, when the response had them. */
  headers: Record<string, string>;
  /** The JSON body as sent; null for none. */
  body: string | null;
}

interface StoredEntry extends StoredResponse {
  fingerprint: string;
}

/**
 * Idempotent POSTs (README "Idempotent requests"): the first request with a key runs and its
 * response is stored in its own transaction, so the response exists exactly when its writes do;
 * a retry gets that response back instead of running again. The response is encrypted with the
 * key ring (it may hold a secret shown once, such as a new API key).
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Idempotency');
  private readonly purger = new PeriodicSweep(
    'expired idempotency keys',
    async () => void (await this.purgeExpired()),
    this.logger,
  );

  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly keyRing: KeyRing,
    private readonly db: DbContext,
  ) {}

  /**
   * Runs `handle` unless the key was used before: then the stored response, or 422
   * IDEMPOTENCY_KEY_REUSED when the earlier request was a different one. A concurrent request
   * with the same key waits for the first to finish (its own deadline bounds the wait).
   */
  async once(
    request: KeyedRequest,
    handle: () => Promise<StoredResponse>,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    const { scopeId, key, fingerprint } = request;
    if (!(await this.repository.claim(scopeId, key, IDEMPOTENCY_TTL_SECONDS))) {
      return { response: await this.stored(request), replayed: true };
    }
    const response = await handle();
    const entry: StoredEntry = { fingerprint, ...response };
    await this.repository.saveResponse(scopeId, key, this.keyRing.encrypt(JSON.stringify(entry), aad(scopeId)));
    return { response, replayed: false };
  }

  /** Deletes expired keys of every scope; runs every 10 minutes. */
  async purgeExpired(): Promise<number> {
    return this.db.run({}, () => this.repository.purgeExpired());
  }

  onModuleInit(): void {
    this.purger.start(PURGE_EVERY_SECONDS);
  }

  async onModuleDestroy(): Promise<void> {
    await this.purger.stop();
  }

  private async stored(request: KeyedRequest): Promise<StoredResponse> {
    const row = await this.repository.find(request.scopeId, request.key);
    // The claim lost to a committed row, and a row commits only together with its response.
    if (!row?.encryptedResponse) throw new Error('An idempotency key was committed without its response');
    const { fingerprint, ...response } = JSON.parse(
      this.keyRing.decrypt(row.encryptedResponse, aad(request.scopeId)),
    ) as StoredEntry;
    if (fingerprint !== request.fingerprint) {
      throw new AppException(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was used for a different request (another body, path or caller); use a new key',
      );
    }
    return response;
  }
}

function aad(scopeId: string): string {
  return secretAad('idempotency_keys.encryptedResponse', scopeId);
}
