import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '../../config/app-config';
import { AccessChanges } from '../../database/access-changes';
import { DbContext } from '../../database/db-context';

interface Entry {
  value: object;
  /** The change announcements that end this entry (see the access_change_notifications migration). */
  endedBy: string[];
}

/**
 * What the guards looked up about a caller (session, membership, API key, org plan), kept for
 * ACCESS_CACHE_TTL_MS so that a request does not pay a round trip for each. Correctness does not
 * rest on the TTL: the database announces every change that could end an entry (triggers →
 * NOTIFY `orgbase_access`) to every instance, and writes made here end their entries as soon as
 * they commit. Entries are kept only while the announcements are being received.
 */
@Injectable()
export class AccessCache {
  private readonly logger = new Logger(AccessCache.name);
  private readonly entries: LRUCache<string, Entry> | undefined;
  private receiving = false;
  /** Bumped by every change: a lookup that overlapped one is not kept (it may predate it). */
  private generation = 0;

  constructor(
    config: AppConfig,
    changes: AccessChanges,
    private readonly db: DbContext,
  ) {
    if (config.ACCESS_CACHE_TTL_MS === 0) return;
    this.entries = new LRUCache({ max: 10_000, ttl: config.ACCESS_CACHE_TTL_MS });
    changes.subscribe({
      message: (announcement) => this.forget(announcement),
      live: (receiving) => {
        if (receiving === this.receiving) return;
        this.receiving = receiving;
        this.forgetAll();
        if (!receiving) this.logger.warn('Access changes are not being received: looking up every request');
      },
    });
  }

  /**
   * The cached value of `key`, or `load()`'s (kept unless null). `endedBy` names the changes
   * that end it; `lifetimeMs` shortens its TTL (a session that expires sooner).
   */
  async remember<T extends object>(
    key: string,
    load: () => Promise<T | null>,
    endedBy: (value: T) => string[],
    lifetimeMs?: (value: T) => number,
  ): Promise<T | null> {
    const cached = this.entries?.get(key);
    if (cached) return cached.value as T;
    const generation = this.generation;
    const value = await load();
    if (value && this.entries && this.receiving && generation === this.generation) {
      const ttl = lifetimeMs ? Math.min(lifetimeMs(value), this.entries.ttl) : undefined;
      if (ttl === undefined || ttl > 0) this.entries.set(key, { value, endedBy: endedBy(value) }, { ttl });
    }
    return value;
  }

  /** Ends the entries a change announcement names, e.g. `user:<id>`. */
  forget(announcement: string): void {
    this.generation++;
    if (!this.entries) return;
    for (const [key, entry] of this.entries.entries()) {
      if (entry.endedBy.includes(announcement)) this.entries.delete(key);
    }
  }

  /**
   * Ends the named entries in this instance once the current transaction commits (the database's
   * announcement reaches the others, and this one a moment later; this makes the change visible
   * to this instance's next request for sure).
   */
  forgetAfterCommit(announcement: string): void {
    this.db.afterCommit(() => this.forget(announcement));
  }

  private forgetAll(): void {
    this.generation++;
    this.entries?.clear();
  }
}
