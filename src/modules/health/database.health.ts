import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthRepository } from './health.repository';

@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly repository: HealthRepository,
  ) {}

  async check(key: string) {
    const probe = this.indicator.check(key);
    try {
      await this.repository.ping();
      return probe.up({ kind: this.repository.kind });
    } catch (error) {
      return probe.down({ message: (error as Error).message });
    }
  }
}
