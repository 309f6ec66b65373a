import { Module } from '@nestjs/common';
import { ScenariosController } from './scenarios.controller';
import { ScenariosFeature } from './scenarios.feature';
import { ScenariosRepository } from './scenarios.repository';
import { ScenariosService } from './scenarios.service';

@Module({
  controllers: [ScenariosController],
  providers: [ScenariosService, ScenariosRepository, ScenariosFeature],
})
export class ScenariosModule {}
