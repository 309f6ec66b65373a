import { Module } from '@nestjs/common';
import { VariablesController } from './variables.controller';
import { VariablesFeature } from './variables.feature';
import { VariablesRepository } from './variables.repository';
import { VariablesService } from './variables.service';

@Module({ controllers: [VariablesController], providers: [VariablesService, VariablesRepository, VariablesFeature] })
export class VariablesModule {}
