import { Injectable } from '@nestjs/common';
import { SecretDecryptionError } from '../../common/secrets/key-ring';
import { KeyRing } from '../../common/secrets/key-ring.provider';
import { secretAad } from '../../common/secrets/secret-columns';
import { GitCallError } from './git-clients';
import type { GitProviderRow } from './git-providers.repository';

export interface OpenTokens {
  accessToken: string;
  refreshToken: string | null;
}

/** A provider's tokens through the key ring, each bound to its column and organization. */
@Injectable()
export class GitTokens {
  constructor(private readonly keyRing: KeyRing) {}

  sealAccess(orgId: string, token: string): string {
    return this.keyRing.encrypt(token, secretAad('git_providers.encryptedAccessToken', orgId));
  }

  sealRefresh(orgId: string, token: string | null): string | null {
    return token === null ? null : this.keyRing.encrypt(token, secretAad('git_providers.encryptedRefreshToken', orgId));
  }

  /** The decrypted tokens; a GitCallError when they cannot be read (a key removed from ENCRYPTION_KEYS). */
  open(row: GitProviderRow): OpenTokens {
    try {
      if (!row.encryptedAccessToken) throw new GitCallError('The provider has no access token; set one');
      const accessToken = this.keyRing.decrypt(
        row.encryptedAccessToken,
        secretAad('git_providers.encryptedAccessToken', row.orgId),
      );
      const refreshToken = row.encryptedRefreshToken
        ? this.keyRing.decrypt(row.encryptedRefreshToken, secretAad('git_providers.encryptedRefreshToken', row.orgId))
        : null;
      return { accessToken, refreshToken };
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      throw new GitCallError('The provider’s tokens cannot be read (was ENCRYPTION_KEYS changed?); set them again');
    }
  }
}
