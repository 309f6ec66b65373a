import { Module } from '@nestjs/common';
import { LlmModule } from '../llm/llm.module';
import { PromptsModule } from '../prompts/prompts.module';
import { ProviderKeysModule } from '../provider-keys/provider-keys.module';
import { RunsController } from './runs.controller';
import { RunsEvents } from './runs.events';
import { RunsFeature } from './runs.feature';
import { RunsRepository } from './runs.repository';
import { RunsRunner } from './runs.runner';
import { RunsService } from './runs.service';

@Module({
  imports: [LlmModule, PromptsModule, ProviderKeysModule],
  controllers: [RunsController],
  providers: [RunsService, RunsRepository, RunsFeature, RunsRunner, RunsEvents],
})
export class RunsModule {}
