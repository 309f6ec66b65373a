import { Module } from '@nestjs/common';
import { ConversationShareLinksController } from './conversation-share-links.controller';
import { ConversationShareLinksFeature } from './conversation-share-links.feature';
import { ShareLinksModule } from './share-links.module';

/** Conversation links: their own module so that the chat flag switches them (and not canvas links). */
@Module({
  imports: [ShareLinksModule],
  controllers: [ConversationShareLinksController],
  providers: [ConversationShareLinksFeature],
})
export class ConversationShareLinksModule {}
