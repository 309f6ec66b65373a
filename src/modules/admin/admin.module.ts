import { Module } from '@nestjs/common';
import { PlatformAdminScope } from '../../common/tenancy/platform-admin-scope';
import { AdminController } from './admin.controller';
import { AdminRepository } from './admin.repository';
import { AdminService } from './admin.service';

@Module({ controllers: [AdminController], providers: [AdminService, AdminRepository, PlatformAdminScope] })
export class AdminModule {}
