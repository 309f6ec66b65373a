import { Module } from '@nestjs/common';
import { ConversationTemplatesController } from './conversation-templates.controller';
import { ConversationTemplatesFeature } from './conversation-templates.feature';
import { ConversationTemplatesRepository } from './conversation-templates.repository';
import { ConversationTemplatesService } from './conversation-templates.service';

@Module({
  controllers: [ConversationTemplatesController],
  providers: [ConversationTemplatesService, ConversationTemplatesRepository, ConversationTemplatesFeature],
  exports: [ConversationTemplatesRepository],
})
export class ConversationTemplatesModule {}
