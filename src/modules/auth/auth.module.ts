import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AuthController } from './auth.controller';
import { AuthRepository } from './auth.repository';
import { AuthService } from './auth.service';
import { LoginAttempts } from './login-attempts';

@Module({
  controllers: [AuthController],
  providers: [
    AuthService,
    AuthRepository,
    {
      provide: LoginAttempts,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new LoginAttempts(config.LOGIN_MAX_FAILURES, config.LOGIN_WINDOW_SECONDS * 1000),
    },
  ],
  exports: [AuthService],
})
export class AuthModule {}
