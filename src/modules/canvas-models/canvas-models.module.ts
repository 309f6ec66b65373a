import { Module } from '@nestjs/common';
import { CanvasModelsController } from './canvas-models.controller';
import { CanvasModelsFeature } from './canvas-models.feature';
import { CanvasModelsRepository } from './canvas-models.repository';
import { CanvasModelsService } from './canvas-models.service';

@Module({
  controllers: [CanvasModelsController],
  providers: [CanvasModelsService, CanvasModelsRepository, CanvasModelsFeature],
})
export class CanvasModelsModule {}
