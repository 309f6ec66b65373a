import { Module } from '@nestjs/common';
import { HostsController } from './hosts.controller';
import { HostsFeature } from './hosts.feature';
import { HostsRepository } from './hosts.repository';
import { HostsService } from './hosts.service';

/** Hosts (issue 11); exports the service for SSH connections made from a host. */
@Module({
  controllers: [HostsController],
  providers: [HostsService, HostsRepository, HostsFeature],
  exports: [HostsService],
})
export class HostsModule {}
