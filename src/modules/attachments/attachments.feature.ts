import { Feature } from '../../common/features/feature';

/**
 * Attachments are part of chat (flag `chat`); their routes use the `conversations` API-key scope,
 * which the conversations feature declares.
 */
@Feature({ name: 'attachments', flag: { name: 'chat', defaultByTier: { FREE: true, PRO: true, ENTERPRISE: true } } })
export class AttachmentsFeature {}
