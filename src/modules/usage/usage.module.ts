import { Module } from '@nestjs/common';
import { UsageController } from './usage.controller';
import { UsageFeature } from './usage.feature';
import { UsageRepository } from './usage.repository';
import { UsageService } from './usage.service';

@Module({ controllers: [UsageController], providers: [UsageService, UsageRepository, UsageFeature] })
export class UsageModule {}
