import { Feature } from '../../common/features/feature';

/**
 * What the conversations module declares: its API-key scope (keys read conversations shared with
 * the org, and write none: a conversation belongs to a user) and the `chat` flag, on for every tier.
 */
@Feature({
  name: 'conversations',
  scope: 'conversations',
  flag: { name: 'chat', defaultByTier: { FREE: true, PRO: true, ENTERPRISE: true } },
})
export class ConversationsFeature {}
