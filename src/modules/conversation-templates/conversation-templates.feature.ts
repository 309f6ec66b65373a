import { Feature } from '../../common/features/feature';

/**
 * Templates are part of chat (flag `chat`); their routes use the `conversations` API-key scope,
 * which the conversations feature declares.
 */
@Feature({
  name: 'conversation-templates',
  flag: { name: 'chat', defaultByTier: { FREE: true, PRO: true, ENTERPRISE: true } },
})
export class ConversationTemplatesFeature {}
