import { Module } from '@nestjs/common';
import { LlmModule } from '../llm/llm.module';
import { ProviderKeysController } from './provider-keys.controller';
import { ProviderKeysFeature } from './provider-keys.feature';
import { ProviderKeysRepository } from './provider-keys.repository';
import { ProviderKeysService } from './provider-keys.service';

/** Provider keys (issue 9); exports the service for runs, chat and agents (resolveForUse). */
@Module({
  imports: [LlmModule],
  controllers: [ProviderKeysController],
  providers: [ProviderKeysService, ProviderKeysRepository, ProviderKeysFeature],
  exports: [ProviderKeysService],
})
export class ProviderKeysModule {}
