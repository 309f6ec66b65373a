import { Module } from '@nestjs/common';
import { CanvasDataValidator } from './canvas-data';
import { CanvasesController } from './canvases.controller';
import { CanvasesFeature } from './canvases.feature';
import { CanvasesRepository } from './canvases.repository';
import { CanvasesService } from './canvases.service';

@Module({
  controllers: [CanvasesController],
  providers: [CanvasesService, CanvasesRepository, CanvasesFeature, CanvasDataValidator],
})
export class CanvasesModule {}
