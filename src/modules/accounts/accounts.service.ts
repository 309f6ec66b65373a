import { Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app-exception';
import { RequestContext } from '../../common/tenancy/request-context';
import { AuditService } from '../audit/audit.service';
import { AccountsRepository, type AccountRow } from './accounts.repository';
import type { AccountResponseDto } from './dto/accounts.dto';

/** The caller's linked provider accounts (`/v1/me/accounts`); runs in the request's user scope. */
@Injectable()
export class AccountsService {
  constructor(
    private readonly repository: AccountsRepository,
    private readonly context: RequestContext,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<AccountResponseDto[]> {
    const rows = await this.repository.listAccounts(this.context.requireUser().userId);
    return rows.map(toAccountResponse);
  }

  async get(accountId: string): Promise<AccountResponseDto> {
    return toAccountResponse(await this.find(accountId));
  }

  /** Unlinks one account; 409 LAST_SIGN_IN_METHOD when the caller has no password and no other account. */
  async unlink(accountId: string): Promise<void> {
    const { userId } = this.context.requireUser();
    const account = await this.find(accountId);
    const others = (await this.repository.listAccounts(userId)).filter((row) => row.id !== account.id);
    if (others.length === 0 && !(await this.repository.hasPassword())) {
      throw new AppException(
        'LAST_SIGN_IN_METHOD',
        'This is your only way to sign in: set a password (forgot-password) or link another provider first',
      );
    }
    await this.repository.deleteAccount(userId, account.id);
    await this.audit.recordForUser(userId, {
      action: 'account.unlinked',
      resourceType: 'account',
      resourceId: account.id,
      before: { provider: account.provider, providerAccountId: account.providerAccountId },
    });
  }

  /** The caller's account; anyone else's is not found (RLS shows only the caller's). */
  private async find(accountId: string): Promise<AccountRow> {
    const account = await this.repository.findAccount(this.context.requireUser().userId, accountId);
    if (!account) throw AppException.notFound('Account');
    return account;
  }
}

function toAccountResponse(row: AccountRow): AccountResponseDto {
  const { id, provider, providerAccountId, email, login, createdAt, updatedAt } = row;
  return { id, provider, providerAccountId, email, login, createdAt, updatedAt };
}
