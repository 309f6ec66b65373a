import { Injectable } from '@nestjs/common';
import { orNotFound } from '../../common/errors/app-exception';
import { paginate, type Page } from '../../common/pagination/pagination';
import { toRepositoryResponse, type ListRepositoriesQueryDto, type RepositoryResponseDto } from './dto/repository.dto';
import { REPOSITORY_ORDER, RepositoriesRepository } from './repositories.repository';

/**
 * The repositories syncs found on the org's git providers. Deleting one removes it here only:
 * the provider still has it, so the provider's next sync brings it back.
 */
@Injectable()
export class RepositoriesService {
  constructor(private readonly repository: RepositoriesRepository) {}

  list(orgId: string, query: ListRepositoriesQueryDto): Promise<Page<RepositoryResponseDto>> {
    const { providerId, syncStatus, q } = query;
    return paginate(
      query,
      REPOSITORY_ORDER,
      (page) => this.repository.list(orgId, { ...page, providerId, syncStatus, q }),
      toRepositoryResponse,
    );
  }

  async get(orgId: string, id: string): Promise<RepositoryResponseDto> {
    return toRepositoryResponse(orNotFound(await this.repository.findById(orgId, id), 'Repository'));
  }

  async remove(orgId: string, id: string): Promise<void> {
    orNotFound(await this.repository.delete(orgId, id), 'Repository');
  }
}
