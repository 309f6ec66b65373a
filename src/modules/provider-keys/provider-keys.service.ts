import { Injectable } from '@nestjs/common';
import type { UsableProviderKey } from '../llm/model-gateway';

// CONTRACT (issue 9): the provider-keys helper owns this module and fills this service in (CRUD,
// test, …); the runs helper calls resolveForUse. Its signature stays.

@Injectable()
export class ProviderKeysService {
  /**
   * The key `keyId` of the org, decrypted, for a model call made in the current DB scope
   * (`DbContext.run({ orgId, userId })`: a PERSONAL key is found only for its owner, by RLS).
   * 404 PROVIDER_KEY not found / not visible; 422 when inactive or unusable (e.g. an
   * OPENAI_COMPATIBLE key without baseUrl). Records lastUsedAt. Role checks belong to the route.
   */
  resolveForUse(orgId: string, keyId: string): Promise<UsableProviderKey> {
    void orgId;
    void keyId;
    return Promise.reject(new Error('ProviderKeysService.resolveForUse is not implemented yet'));
  }
}
