import { Feature, type FeatureUsage } from '../../common/features/feature';
import { InvitationsRepository } from './invitations.repository';
import { MembersRepository } from './members.repository';

/** Seats: active members plus pending, unexpired invitations (each holds a seat). */
@Feature({ name: 'members', limits: { members: { FREE: 5, PRO: 50, ENTERPRISE: null } } })
export class MembersFeature implements FeatureUsage {
  constructor(
    private readonly members: MembersRepository,
    private readonly invitations: InvitationsRepository,
  ) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    const [active, pending] = await Promise.all([
      this.members.countActive(orgId),
      this.invitations.countPending(orgId, new Date()),
    ]);
    return { members: active + pending };
  }
}
