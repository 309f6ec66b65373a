import { Module } from '@nestjs/common';
import { LlmModule } from '../llm/llm.module';
import { ProviderKeysModule } from '../provider-keys/provider-keys.module';
import { AgentsController } from './agents.controller';
import { AgentsFeature } from './agents.feature';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';
import { ExecutionsController } from './executions.controller';
import { ExecutionsRepository } from './executions.repository';
import { ExecutionsRunner } from './executions.runner';
import { ExecutionsService } from './executions.service';

/** Agents and their executions: one module, so the `agents` flag and scope cover both. */
@Module({
  imports: [LlmModule, ProviderKeysModule],
  controllers: [AgentsController, ExecutionsController],
  providers: [
    AgentsService,
    AgentsRepository,
    AgentsFeature,
    ExecutionsService,
    ExecutionsRepository,
    ExecutionsRunner,
  ],
})
export class AgentsModule {}
