import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NotificationListener } from './database-connection';
import { PrismaService } from './prisma.service';

/** The channel the access_change_notifications triggers announce on. */
export const ACCESS_CHANNEL = 'orgbase_access';

/** The database's announcements of changed access (sessions, users, memberships, orgs, API keys). */
@Injectable()
export class AccessChanges implements OnModuleInit, OnModuleDestroy {
  private readonly listeners: NotificationListener[] = [];
  private stop?: () => Promise<void>;

  constructor(private readonly prisma: PrismaService) {}

  subscribe(listener: NotificationListener): void {
    this.listeners.push(listener);
  }

  async onModuleInit(): Promise<void> {
    this.stop = await this.prisma.connection.listen(ACCESS_CHANNEL, {
      message: (payload) => this.listeners.forEach((listener) => listener.message(payload)),
      live: (receiving) => this.listeners.forEach((listener) => listener.live(receiving)),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop?.();
  }
}
