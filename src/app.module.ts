import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { CommonModule } from './common/common.module';
import { DatabaseModule } from './database/database.module';
import { AuthModule } from './modules/auth/auth.module';
import { AccountsModule } from './modules/accounts/accounts.module';
import { AdminModule } from './modules/admin/admin.module';
import { ApiKeysModule } from './modules/api-keys/api-keys.module';
import { AuditModule } from './modules/audit/audit.module';
import { OrgsModule } from './modules/orgs/orgs.module';
import { UsersModule } from './modules/users/users.module';
import { VariablesModule } from './modules/variables/variables.module';
import { ScenarioSuitesModule } from './modules/scenario-suites/scenario-suites.module';
import { ScenariosModule } from './modules/scenarios/scenarios.module';
import { PromptsModule } from './modules/prompts/prompts.module';
import { CanvasModelsModule } from './modules/canvas-models/canvas-models.module';
import { CanvasesModule } from './modules/canvases/canvases.module';
import { ShareLinksModule } from './modules/share-links/share-links.module';
import { ConversationShareLinksModule } from './modules/share-links/conversation-share-links.module';
import { ConversationsModule } from './modules/conversations/conversations.module';
import { RunsModule } from './modules/runs/runs.module';
import { AgentsModule } from './modules/agents/agents.module';
import { ProviderKeysModule } from './modules/provider-keys/provider-keys.module';
import { HealthModule } from './modules/health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { BackupModule } from './backup/backup.module';
import { AttachmentsModule } from './modules/attachments/attachments.module';
import { ConversationTemplatesModule } from './modules/conversation-templates/conversation-templates.module';
import { UsageModule } from './modules/usage/usage.module';
import { HostsModule } from './modules/hosts/hosts.module';
import { SshConnectionsModule } from './modules/ssh-connections/ssh-connections.module';
import { GitProvidersModule } from './modules/git-providers/git-providers.module';
import { WebhooksModule } from './modules/webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        CommonModule,
        JobsModule,
        BackupModule,
        HealthModule,
        AuthModule,
        AccountsModule,
        UsersModule,
        OrgsModule,
        ApiKeysModule,
        AuditModule,
        AdminModule,
        VariablesModule,
        PromptsModule,
        CanvasModelsModule,
        CanvasesModule,
        ShareLinksModule,
        ConversationShareLinksModule,
        ScenariosModule,
        ScenarioSuitesModule,
        ProviderKeysModule,
        RunsModule,
        AgentsModule,
        AttachmentsModule,
        ConversationTemplatesModule,
        UsageModule,
        HostsModule,
        SshConnectionsModule,
        GitProvidersModule,
        WebhooksModule,
        ConversationsModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    };
  }
}
