import { Module } from '@nestjs/common';
import { ModelGateway } from './model-gateway';

/** Model calls (issue 9; chat and agents use it too). */
@Module({ providers: [ModelGateway], exports: [ModelGateway] })
export class LlmModule {}
