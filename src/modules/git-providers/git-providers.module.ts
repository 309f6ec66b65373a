import { Module } from '@nestjs/common';
import { GitClients } from './git-clients';
import { GitProvidersController } from './git-providers.controller';
import { GitProvidersFeature } from './git-providers.feature';
import { GitProvidersRepository } from './git-providers.repository';
import { GitProvidersService } from './git-providers.service';
import { GitSyncRunner } from './git-sync.runner';
import { GitTokens } from './git-tokens';
import { RepositoriesController } from './repositories.controller';
import { RepositoriesRepository } from './repositories.repository';
import { RepositoriesService } from './repositories.service';

/** Git providers and their repositories (issue 11, seed 001): one module, one feature (scope `git`). */
@Module({
  controllers: [GitProvidersController, RepositoriesController],
  providers: [
    GitProvidersService,
    GitProvidersRepository,
    GitProvidersFeature,
    GitClients,
    GitTokens,
    GitSyncRunner,
    RepositoriesService,
    RepositoriesRepository,
  ],
})
export class GitProvidersModule {}
