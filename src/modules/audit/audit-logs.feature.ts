import { Feature } from '../../common/features/feature';

/** Audit entries are read by API keys with `audit-logs:read`; nothing here is limited or flagged. */
@Feature({ name: 'audit-logs', scope: 'audit-logs' })
export class AuditLogsFeature {}
