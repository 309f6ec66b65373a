import { Module } from '@nestjs/common';
import { InvitationResponsesController, OrgInvitationsController } from './invitations.controller';
import { InvitationsRepository } from './invitations.repository';
import { InvitationsService } from './invitations.service';
import { MembersController } from './members.controller';
import { MembersFeature } from './members.feature';
import { MembersRepository } from './members.repository';
import { MembersService } from './members.service';
import { OrganizationsController } from './organizations.controller';
import { OrganizationsRepository } from './organizations.repository';
import { OrganizationsService } from './organizations.service';

/** Organizations, memberships, invitations, plan limits and feature flags. */
@Module({
  controllers: [OrganizationsController, MembersController, OrgInvitationsController, InvitationResponsesController],
  providers: [
    OrganizationsService,
    OrganizationsRepository,
    MembersService,
    MembersRepository,
    InvitationsService,
    InvitationsRepository,
    MembersFeature,
  ],
  exports: [OrganizationsRepository, MembersRepository],
})
export class OrgsModule {}
