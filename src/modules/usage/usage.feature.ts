import { Feature } from '../../common/features/feature';

/** Usage is part of chat (flag `chat`); API keys read it with the `conversations:read` scope. */
@Feature({ name: 'usage', flag: { name: 'chat', defaultByTier: { FREE: true, PRO: true, ENTERPRISE: true } } })
export class UsageFeature {}
