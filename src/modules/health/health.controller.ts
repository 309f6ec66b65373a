import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../../common/auth/decorators';
import { DatabaseHealthIndicator } from './database.health';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
  ) {}

  /** The process is up and serving requests. */
  @Get('live')
  @HealthCheck()
  @ApiOkResponse({ description: 'The process is alive' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** The process can serve traffic: its database answers. */
  @Get('ready')
  @HealthCheck()
  @ApiOkResponse({ description: 'Ready to serve traffic' })
  @ApiServiceUnavailableResponse({ description: 'A dependency (the database) is not answering' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.database.check('database')]);
  }
}
