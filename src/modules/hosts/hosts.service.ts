import { Injectable } from '@nestjs/common';
import { orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import { OutboundPolicy } from '../../common/outbound/outbound.service';
import { paginate, type Page } from '../../common/pagination/pagination';
import { KeyRing } from '../../common/secrets/key-ring.provider';
import { secretAad } from '../../common/secrets/secret-columns';
import { RequestContext } from '../../common/tenancy/request-context';
import { AppConfig } from '../../config/app-config';
import { DbContext } from '../../database/db-context';
import { HostStatus, HostType } from '../../generated/prisma/enums';
import {
  defaultPort,
  toHostResponse,
  type CreateHostDto,
  type HostResponseDto,
  type ListHostsQueryDto,
  type UpdateHostDto,
} from './dto/host.dto';
import { HOST_ORDER, HostsRepository, type HostCheckResult, type HostData, type HostRow } from './hosts.repository';
import { probeTcp, resolveTarget, UnresolvedHostError } from './tcp-target';

/**
 * Hosts of the test-automation platform (seed 001): machines the org's tests reach. Every member
 * reads them, EDITOR+ manage and check them (the route's role). The password is encrypted with
 * the key ring, bound to the org, and never leaves the server. Addresses pass the outbound (SSRF)
 * policy when saved and again when checked.
 */
@Injectable()
export class HostsService {
  constructor(
    private readonly repository: HostsRepository,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
    private readonly keyRing: KeyRing,
    private readonly outbound: OutboundPolicy,
    private readonly config: AppConfig,
    private readonly db: DbContext,
  ) {}

  async create(orgId: string, dto: CreateHostDto): Promise<HostResponseDto> {
    await this.outbound.assertHostAllowed(dto.ip, 'ip');
    await this.features.assertCanAdd(orgId, 'hosts');
    const hostType = dto.type ?? HostType.LINUX;
    const row = await this.repository.create(
      orgId,
      {
        name: dto.name,
        description: dto.description ?? null,
        hostType,
        address: dto.ip,
        port: dto.port ?? defaultPort(hostType),
        username: dto.user ?? null,
        encryptedPassword: this.seal(orgId, dto.password ?? null),
      },
      this.context.userId ?? null,
    );
    return toHostResponse(row);
  }

  list(orgId: string, query: ListHostsQueryDto): Promise<Page<HostResponseDto>> {
    return paginate(
      query,
      HOST_ORDER,
      (page) => this.repository.list(orgId, { ...page, status: query.status, hostType: query.type, search: query.q }),
      toHostResponse,
    );
  }

  async get(orgId: string, id: string): Promise<HostResponseDto> {
    return toHostResponse(await this.find(orgId, id));
  }

  /** The host itself, for the SSH connections made from it (404 when it is not the org's). */
  find(orgId: string, id: string): Promise<HostRow> {
    return this.repository.findById(orgId, id).then((row) => orNotFound(row, 'Host'));
  }

  async update(orgId: string, id: string, dto: UpdateHostDto): Promise<HostResponseDto> {
    await this.find(orgId, id);
    if (dto.ip !== undefined) await this.outbound.assertHostAllowed(dto.ip, 'ip');
    const { type, ip, user, password, ...rest } = dto;
    const changes: Partial<HostData> = {
      ...rest,
      ...(type === undefined ? {} : { hostType: type }),
      ...(ip === undefined ? {} : { address: ip }),
      ...(user === undefined ? {} : { username: user }),
      ...(password === undefined ? {} : { encryptedPassword: this.seal(orgId, password) }),
    };
    return toHostResponse(orNotFound(await this.repository.update(orgId, id, changes), 'Host'));
  }

  async remove(orgId: string, id: string): Promise<void> {
    orNotFound(await this.repository.delete(orgId, id), 'Host');
  }

  /**
   * Opens a TCP connection to the host's address and port (HOST_CHECK_TIMEOUT_MS) and records
   * what happened: ONLINE with the connect time, OFFLINE when refused or unanswered, ERROR when
   * the name does not resolve. A target the outbound policy refuses is 422 and records nothing.
   * The route has no request transaction: the read and the record are short ones of their own,
   * so no connection of the pool waits on the network meanwhile.
   */
  async check(orgId: string, id: string): Promise<HostResponseDto> {
    const host = await this.db.run(this.context.dbScope, () => this.find(orgId, id));
    const result = await this.probe(host);
    return this.db.run(this.context.dbScope, async () =>
      toHostResponse(orNotFound(await this.repository.recordCheck(orgId, id, result), 'Host')),
    );
  }

  private async probe(host: HostRow): Promise<HostCheckResult> {
    let address: string;
    try {
      address = await resolveTarget(host.address, this.outbound.rules, 'ip');
    } catch (error) {
      if (!(error instanceof UnresolvedHostError)) throw error;
      return { status: HostStatus.ERROR, lastLatencyMs: null, lastError: error.message };
    }
    const probe = await probeTcp(address, host.port, this.config.HOST_CHECK_TIMEOUT_MS);
    return probe.ok
      ? { status: HostStatus.ONLINE, lastLatencyMs: probe.latencyMs, lastError: null }
      : { status: HostStatus.OFFLINE, lastLatencyMs: probe.latencyMs, lastError: probe.error };
  }

  private seal(orgId: string, password: string | null): string | null {
    return password === null ? null : this.keyRing.encrypt(password, secretAad('hosts.encryptedPassword', orgId));
  }
}
