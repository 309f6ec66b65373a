import { Module } from '@nestjs/common';
import { AttachmentsModule } from '../attachments/attachments.module';
import { LlmModule } from '../llm/llm.module';
import { PromptsModule } from '../prompts/prompts.module';
import { ProviderKeysModule } from '../provider-keys/provider-keys.module';
import { ChatRateLimit } from './chat-rate-limit';
import { ConversationsController } from './conversations.controller';
import { ConversationsFeature } from './conversations.feature';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';

/** Conversations and their messages (issue 10, seed 002), behind the `chat` flag. */
@Module({
  imports: [LlmModule, ProviderKeysModule, PromptsModule, AttachmentsModule],
  controllers: [ConversationsController, MessagesController],
  providers: [ConversationsService, MessagesService, ConversationsRepository, ChatRateLimit, ConversationsFeature],
})
export class ConversationsModule {}
