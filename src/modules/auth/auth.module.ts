import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AuthController } from './auth.controller';
import { AuthRepository } from './auth.repository';
import { AuthService } from './auth.service';
import { MAIL_LIMIT, SlidingWindowLimit } from './sliding-window-limit';

@Module({
  controllers: [AuthController],
  providers: [
    AuthService,
    AuthRepository,
    {
      provide: SlidingWindowLimit,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new SlidingWindowLimit(config.LOGIN_MAX_FAILURES, config.LOGIN_WINDOW_SECONDS * 1000),
    },
    // Reset and verification mails: at most 3 per address per hour, so nobody can flood an inbox.
    { provide: MAIL_LIMIT, useFactory: () => new SlidingWindowLimit(3, 3600 * 1000) },
  ],
  exports: [AuthService],
})
export class AuthModule {}
