import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { Authenticated, NoRequestTransaction, OrgId } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf } from '../../common/pagination/pagination';
import { AuditLogsService } from './audit-logs.service';
import {
  AuditLogResponseDto,
  AuditVerifyResponseDto,
  ExportAuditLogsQueryDto,
  ListAuditLogsQueryDto,
} from './dto/audit-log.dto';

const CONTENT_TYPES = { ndjson: 'application/x-ndjson', csv: 'text/csv; charset=utf-8' } as const;

@ApiTag('audit-logs', "The organization's tamper-evident audit log: list, export, verify the chain.")
@Controller('v1/orgs/:orgId/audit-logs')
export class AuditLogsController {
  constructor(private readonly auditLogs: AuditLogsService) {}

  /** List audit entries, newest first, with filters. */
  @Get()
  @Authenticated({ tenant: true, role: 'ADMIN', scope: 'audit-logs' })
  @ApiOkResponse({ type: PageOf(AuditLogResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListAuditLogsQueryDto) {
    return this.auditLogs.list(orgId, query);
  }

  /** Download the matching audit entries, oldest first, as NDJSON or CSV. */
  @Get('export')
  @NoRequestTransaction()
  @Authenticated({ tenant: true, role: 'ADMIN', scope: 'audit-logs' })
  @ApiProduces(CONTENT_TYPES.ndjson, CONTENT_TYPES.csv)
  @ApiOkResponse({ description: 'One entry per line (NDJSON), or CSV with a header row', schema: { type: 'string' } })
  @ApiOperation({ operationId: 'exportAuditLogs' })
  async export(@OrgId() orgId: string, @Query() query: ExportAuditLogsQueryDto): Promise<StreamableFile> {
    const { format, ...filter } = query;
    const lines = await this.auditLogs.export(orgId, filter, format);
    const date = new Date().toISOString().slice(0, 10);
    return new StreamableFile(Readable.from(lines), {
      type: CONTENT_TYPES[format],
      disposition: `attachment; filename="audit-log-${orgId}-${date}.${format}"`,
    });
  }

  /** Check the organization's audit chain for altered, removed or inserted entries. */
  @Get('verify')
  @NoRequestTransaction()
  @Authenticated({ tenant: true, role: 'ADMIN', scope: 'audit-logs' })
  @ApiOkResponse({ type: AuditVerifyResponseDto })
  @ApiOperation({ operationId: 'verifyAuditChain' })
  verify(@OrgId() orgId: string): Promise<AuditVerifyResponseDto> {
    return this.auditLogs.verify(orgId);
  }
}
