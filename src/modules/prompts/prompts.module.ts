import { Module } from '@nestjs/common';
import { PromptsController } from './prompts.controller';
import { PromptsFeature } from './prompts.feature';
import { PromptsRepository } from './prompts.repository';
import { PromptsService } from './prompts.service';

@Module({
  controllers: [PromptsController],
  providers: [PromptsService, PromptsRepository, PromptsFeature],
  exports: [PromptsService],
})
export class PromptsModule {}
