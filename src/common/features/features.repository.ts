import { Injectable } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import type { OrgPlan } from './feature-registry';

@Injectable()
export class FeaturesRepository {
  constructor(private readonly db: DbContext) {}

  findPlan(orgId: string): Promise<OrgPlan | null> {
    return this.db.client.organization.findUnique({
      where: { id: orgId },
      select: { tier: true, limits: true, featureFlags: true },
    });
  }

  /** Serialises adders of one limit in one org until the transaction ends. */
  async lockLimit(orgId: string, limit: string): Promise<void> {
    await this.db.client.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${orgId}:${limit}`}, 0))`;
  }
}
