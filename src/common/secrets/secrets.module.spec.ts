import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig } from '../../config/app-config';
import { ConfigModule } from '../../config/config.module';
import { KeyRing } from './key-ring';
import { SecretsModule } from './secrets.module';

@Injectable()
class ProviderKeysService {
  constructor(readonly keyRing: KeyRing) {}
}

/** A feature module that imports nothing for it, as modules will. */
@Module({ providers: [ProviderKeysService] })
class FeatureModule {}

describe('SecretsModule', () => {
  it('gives any module the one key ring of the process, by its class', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(loadConfig({ DATA_DIR: 'memory://' })), SecretsModule, FeatureModule],
    }).compile();
    const { keyRing } = moduleRef.get(ProviderKeysService);
    expect(keyRing).toBeInstanceOf(KeyRing);
    expect(keyRing).toBe(moduleRef.get(KeyRing));
    expect(keyRing.decrypt(moduleRef.get(KeyRing).encrypt('shared'))).toBe('shared');
    await moduleRef.close();
  });
});
