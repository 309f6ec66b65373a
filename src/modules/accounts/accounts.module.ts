import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AccountsController } from './accounts.controller';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { IdentityProviders } from './identity-providers';
import { OAuthController } from './oauth.controller';
import { OAuthService } from './oauth.service';

/** Sign in with an identity provider, and the caller's linked provider accounts (issue 12). */
@Module({
  imports: [AuthModule],
  controllers: [OAuthController, AccountsController],
  providers: [OAuthService, AccountsService, AccountsRepository, IdentityProviders],
})
export class AccountsModule {}
