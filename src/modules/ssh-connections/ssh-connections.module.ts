import { Module } from '@nestjs/common';
import { HostsModule } from '../hosts/hosts.module';
import { SshConnectionsController } from './ssh-connections.controller';
import { SshConnectionsFeature } from './ssh-connections.feature';
import { SshConnectionsRepository } from './ssh-connections.repository';
import { SshConnectionsService } from './ssh-connections.service';

/** SSH connections (issue 11). */
@Module({
  imports: [HostsModule],
  controllers: [SshConnectionsController],
  providers: [SshConnectionsService, SshConnectionsRepository, SshConnectionsFeature],
})
export class SshConnectionsModule {}
