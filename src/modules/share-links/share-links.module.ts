import { Module } from '@nestjs/common';
import { CanvasShareLinksController, SharedController, ShareLinksController } from './share-links.controller';
import { ShareLinksRepository } from './share-links.repository';
import { ShareLinksService } from './share-links.service';

/**
 * Share links of canvases, revocation of any link, and the public route. Unflagged (canvases are
 * always on); conversation links are in ConversationShareLinksModule, which the chat flag switches.
 */
@Module({
  controllers: [CanvasShareLinksController, ShareLinksController, SharedController],
  providers: [ShareLinksService, ShareLinksRepository],
  exports: [ShareLinksService],
})
export class ShareLinksModule {}
