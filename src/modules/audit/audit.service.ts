import { Injectable } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import { RequestContext } from '../../common/tenancy/request-context';
import { redact } from './audit-chain';
import { AuditRepository, type AuditRow } from './audit.repository';

export interface AuditEvent {
  /** `<resource>.<verb>`, e.g. `variable.created`. */
  action: string;
  resourceType: string;
  resourceId?: string | null;
  before?: unknown;
  after?: unknown;
  /** Defaults to the request's organization. */
  orgId?: string;
  /** Defaults to the request's caller. */
  actor?: { type: 'USER' | 'API_KEY' | 'SYSTEM'; id: string | null };
}

/**
 * Called with each entry inside the transaction that records it, so what it writes commits or
 * rolls back with the change (webhooks queue their deliveries this way).
 */
export type AuditListener = (entry: AuditRow) => Promise<void>;

/**
 * Writes one audit entry in the caller's transaction, so it commits with the change it
 * describes or not at all. Secrets in before/after are redacted.
 */
@Injectable()
export class AuditService {
  private readonly listeners: AuditListener[] = [];

  constructor(
    private readonly repository: AuditRepository,
    private readonly context: RequestContext,
    private readonly db: DbContext,
  ) {}

  record(event: AuditEvent): Promise<AuditRow> {
    const orgId = event.orgId ?? this.context.tenant?.orgId;
    if (!orgId) throw new Error(`Audit event ${event.action} has no organization`);
    const meta = this.context.requestMeta;
    const entry = {
      orgId,
      ...this.actor(event),
      action: event.action,
      resourceType: event.resourceType,
      resourceId: event.resourceId ?? null,
      before: redact(event.before),
      after: redact(event.after),
      ip: meta.ip ?? null,
      userAgent: meta.userAgent ?? null,
      requestId: meta.requestId ?? null,
    };
    return this.db.run({ orgId }, async () => {
      const row = await this.repository.append(entry);
      for (const listener of this.listeners) await listener(row);
      return row;
    });
  }

  /** Adds a listener of every entry recorded from now on (modules call it at init). */
  listen(listener: AuditListener): void {
    this.listeners.push(listener);
  }

  /**
   * Records an event about a user rather than an org (sign-in, password, suspension) in the
   * user's audit organization (AuditRepository.userAuditOrgId); nothing when they have none.
   */
  recordForUser(userId: string, event: Omit<AuditEvent, 'orgId'>): Promise<AuditRow | null> {
    return this.db.run({ userId }, async () => {
      const orgId = await this.repository.userAuditOrgId(userId);
      return orgId ? this.record({ ...event, orgId }) : null;
    });
  }

  private actor(event: AuditEvent): { actorType: 'USER' | 'API_KEY' | 'SYSTEM'; actorId: string | null } {
    if (event.actor) return { actorType: event.actor.type, actorId: event.actor.id };
    const principal = this.context.principal;
    if (principal?.kind === 'user') return { actorType: 'USER', actorId: principal.userId };
    if (principal?.kind === 'apiKey') return { actorType: 'API_KEY', actorId: principal.apiKeyId };
    return { actorType: 'SYSTEM', actorId: null };
  }
}
