import { Module } from '@nestjs/common';
import { AuditLogsController } from './audit-logs.controller';
import { AuditLogsFeature } from './audit-logs.feature';
import { AuditLogsService } from './audit-logs.service';

/** AuditRepository comes from the global CommonModule. */
@Module({ controllers: [AuditLogsController], providers: [AuditLogsService, AuditLogsFeature] })
export class AuditModule {}
