import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { DatabaseHealthIndicator } from './database.health';
import { RedisHealthIndicator } from './redis.health';
import { JobsHealthIndicator } from './jobs.health';

@ApiTag('health', 'Liveness and readiness probes for load balancers and orchestrators (public, never rate-limited).')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly jobs: JobsHealthIndicator,
  ) {}

  /** The process is up and serving requests. */
  @Get('live')
  @HealthCheck()
  @ApiOkResponse({ description: 'The process is alive' })
  @ApiOperation({ operationId: 'getLiveness' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * The process can serve traffic: its database answers. Also reported, never making it unready:
   * Redis (when configured) and the job queue (`jobs`: running here, and the jobs waiting per queue).
   */
  @Get('ready')
  @HealthCheck()
  @ApiOkResponse({ description: 'Ready to serve traffic' })
  @ApiServiceUnavailableResponse({ description: 'A dependency (the database) is not answering' })
  @ApiOperation({ operationId: 'getReadiness' })
  ready(): Promise<HealthCheckResult> {
    // Redis (when configured) and the job queue are reported but never make the server unready.
    const redis = this.redis.configured ? [() => this.redis.check('redis')] : [];
    return this.health.check([() => this.database.check('database'), ...redis, () => this.jobs.check('jobs')]);
  }
}
