import { Module } from '@nestjs/common';
import { PlatformAdminScope } from '../../common/tenancy/platform-admin-scope';
import { AuthModule } from '../auth/auth.module';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';
import { MeController } from './me.controller';
import { MeRepository } from './me.repository';
import { MeService } from './me.service';
import { UserDeletionService } from './user-deletion.service';
import { UsersRepository } from './users.repository';

/** Users: the caller's own account (/v1/me), the platform admin's user routes, account deletion. */
@Module({
  imports: [AuthModule],
  controllers: [MeController, AdminUsersController],
  providers: [MeService, MeRepository, AdminUsersService, UsersRepository, UserDeletionService, PlatformAdminScope],
})
export class UsersModule {}
