import { isDeepStrictEqual } from 'node:util';
import { Injectable } from '@nestjs/common';
import { matchVersion, type ExpectedVersion } from '../../common/http/etag';
import { keyset, TIME_CURSOR, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { Agent, AgentVersion, Prisma } from '../../generated/prisma/client';
import type { AgentType } from '../../generated/prisma/enums';
import { AuditedWrites } from '../audit/audited-writes';

/** An agent's config as stored (agents.config and agent_versions.config); absent optionals are left out. */
export interface AgentConfig {
  model: string;
  providerKeyId: string;
  systemPrompt: string;
  inputSchema?: Record<string, unknown> | null;
  temperature?: number | null;
}

/** An agent with its typed config and the number of its newest config version. */
export type AgentRow = Omit<Agent, 'config'> & { config: AgentConfig; configVersion: number };
export type AgentVersionRow = Omit<AgentVersion, 'config'> & { config: AgentConfig };

export interface AgentData {
  name: string;
  agentType: AgentType;
  description?: string | null;
  config: AgentConfig;
  isActive?: boolean;
}

/** What a write may change of an agent (soft delete included); `config` writes a version when it differs. */
export type AgentChanges = Partial<AgentData> & { deletedAt?: Date | null };

/** Lists go newest change first: keyset pagination on (updatedAt, id). */
export const AGENT_ORDER = { updatedAt: 'date', id: 'uuid' } as const satisfies CursorShape;
export const AGENT_VERSION_ORDER = TIME_CURSOR;

const NEWEST_VERSION = {
  versions: { orderBy: { version: 'desc' }, take: 1, select: { version: true } },
} as const satisfies Prisma.AgentInclude;

type AgentWithNewest = Agent & { versions: { version: number }[] };

function toRow({ versions, config, ...agent }: AgentWithNewest): AgentRow {
  return { ...agent, config: config as unknown as AgentConfig, configVersion: versions[0]?.version ?? 0 };
}

const toVersionRow = (row: AgentVersion): AgentVersionRow => ({
  ...row,
  config: row.config as unknown as AgentConfig,
});

/**
 * Agents and their config versions. Every method takes orgId first and filters on it (RLS is
 * layer 3); writes go through AuditedWrites. `version` is the row's revision (the ETag); the
 * config's versions are agent_versions, numbered 1, 2, … and immutable (a trigger refuses updates).
 */
@Injectable()
export class AgentsRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  /** The agent and its config version 1. */
  create(orgId: string, data: AgentData, createdByUserId: string | null): Promise<AgentRow> {
    return this.audited.create('agent', async () => {
      const agent = await this.db.client.agent.create({
        data: { ...data, config: data.config as unknown as Prisma.InputJsonValue, orgId, createdByUserId },
      });
      await this.createVersion(orgId, agent.id, 1, data.config, createdByUserId);
      return { ...agent, config: data.config, configVersion: 1 };
    });
  }

  /** Live agents, or (deleted) the soft-deleted ones. */
  async list(
    orgId: string,
    options: { take: number; after?: Cursor<typeof AGENT_ORDER>; deleted: boolean; agentType?: AgentType },
  ): Promise<AgentRow[]> {
    const page = keyset(AGENT_ORDER, 'desc', options.after);
    const rows = await this.db.client.agent.findMany({
      where: {
        orgId,
        agentType: options.agentType,
        deletedAt: options.deleted ? { not: null } : null,
        AND: page.where,
      },
      include: NEWEST_VERSION,
      orderBy: page.orderBy,
      take: options.take,
    });
    return rows.map(toRow);
  }

  /** Live agents count against the plan limit; deleted ones do not (a restore checks again). */
  count(orgId: string): Promise<number> {
    return this.db.client.agent.count({ where: { orgId, deletedAt: null } });
  }

  async findById(orgId: string, id: string): Promise<AgentRow | null> {
    const row = await this.db.client.agent.findFirst({ where: { orgId, id }, include: NEWEST_VERSION });
    return row && toRow(row);
  }

  /**
   * Null when there is no such agent (or `deleted` does not match its state); 412
   * VERSION_CONFLICT when `expected` is not its revision. A config that differs from the
   * current one becomes the next version. `action` names the audit entry.
   */
  update(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    options: { deleted: boolean; action?: string },
    changes: AgentChanges,
    userId: string | null,
  ): Promise<AgentRow | null> {
    return this.audited.update(
      'agent',
      async () => {
        const row = await this.lock(orgId, id);
        return row && (row.deletedAt !== null) === options.deleted ? row : null;
      },
      async (before) => {
        const { config, ...rest } = changes;
        const changed = config !== undefined && !isDeepStrictEqual(config, before.config);
        const updated = await this.db.client.agent.update({
          where: { id, orgId, version: matchVersion(before.version, expected) },
          data: {
            ...rest,
            config: changed ? (config as unknown as Prisma.InputJsonValue) : undefined,
            version: { increment: 1 },
          },
          include: NEWEST_VERSION,
        });
        // The row is locked until the transaction ends: no concurrent write takes the same number.
        if (changed) await this.createVersion(orgId, id, before.configVersion + 1, config, userId);
        return { ...toRow(updated), configVersion: before.configVersion + (changed ? 1 : 0) };
      },
      { action: options.action },
    );
  }

  listVersions(
    orgId: string,
    agentId: string,
    options: { take: number; after?: Cursor<typeof AGENT_VERSION_ORDER> },
  ): Promise<AgentVersionRow[]> {
    const page = keyset(AGENT_VERSION_ORDER, 'desc', options.after);
    return this.db.client.agentVersion
      .findMany({ where: { orgId, agentId, AND: page.where }, orderBy: page.orderBy, take: options.take })
      .then((rows) => rows.map(toVersionRow));
  }

  async findVersion(orgId: string, agentId: string, version: number): Promise<AgentVersionRow | null> {
    const row = await this.db.client.agentVersion.findFirst({ where: { orgId, agentId, version } });
    return row && toVersionRow(row);
  }

  private async createVersion(
    orgId: string,
    agentId: string,
    version: number,
    config: AgentConfig,
    createdByUserId: string | null,
  ): Promise<void> {
    await this.db.client.agentVersion.create({
      data: { orgId, agentId, version, config: config as unknown as Prisma.InputJsonValue, createdByUserId },
    });
  }

  /** The row, locked until the transaction ends, so no concurrent write lands between read and write. */
  private async lock(orgId: string, id: string): Promise<AgentRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM agents WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
