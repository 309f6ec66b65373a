import { Feature } from '../../common/features/feature';

/**
 * Conversation links belong to chat: the `chat` flag (on for every tier unless the org turns it
 * off) switches this module's routes with the other chat modules. Canvas links, revocation and the
 * public route live in ShareLinksModule, unflagged; the public route checks the flag itself.
 */
@Feature({
  name: 'conversation-share-links',
  flag: { name: 'chat', defaultByTier: { FREE: true, PRO: true, ENTERPRISE: true } },
})
export class ConversationShareLinksFeature {}
