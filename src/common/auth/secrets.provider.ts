import type { Provider } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { resolveSecrets } from './secrets';

export const SECRETS = Symbol('SECRETS');

export const secretsProvider: Provider = { provide: SECRETS, inject: [AppConfig], useFactory: resolveSecrets };
