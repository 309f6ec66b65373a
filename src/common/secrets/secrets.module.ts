import { Global, Module } from '@nestjs/common';
import { KeyRing, keyRingProvider } from './key-ring.provider';

/** Makes the key ring injectable everywhere as `KeyRing` (imported once, by CommonModule). */
@Global()
@Module({ providers: [keyRingProvider], exports: [KeyRing] })
export class SecretsModule {}
