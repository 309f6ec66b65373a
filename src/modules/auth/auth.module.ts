import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { AuthRepository } from './auth.repository';
import { AuthService } from './auth.service';
import { AuthThrottle } from './auth-throttle';
import { DeferredWork } from './deferred-work';
import { MAIL_LIMIT, SlidingWindowLimit } from './sliding-window-limit';

@Module({
  controllers: [AuthController],
  providers: [
    AuthService,
    AuthRepository,
    AuthThrottle,
    DeferredWork,
    // Reset and verification mails: at most 3 per address per hour, so nobody can flood an inbox.
    { provide: MAIL_LIMIT, useFactory: () => new SlidingWindowLimit(3, 3600 * 1000) },
  ],
  exports: [AuthService],
})
export class AuthModule {}
