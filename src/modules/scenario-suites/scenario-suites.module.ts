import { Module } from '@nestjs/common';
import { ScenarioSuitesController } from './scenario-suites.controller';
import { ScenarioSuitesFeature } from './scenario-suites.feature';
import { ScenarioSuitesRepository } from './scenario-suites.repository';
import { ScenarioSuitesService } from './scenario-suites.service';

@Module({
  controllers: [ScenarioSuitesController],
  providers: [ScenarioSuitesService, ScenarioSuitesRepository, ScenarioSuitesFeature],
})
export class ScenarioSuitesModule {}
