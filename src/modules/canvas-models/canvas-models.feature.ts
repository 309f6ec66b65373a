import { Feature, type FeatureUsage } from '../../common/features/feature';
import { CanvasModelsRepository } from './canvas-models.repository';

/**
 * What the canvas models module declares: its API-key scope (`canvases`, which the canvases
 * module is to share: a model is the template of canvases) and its plan limit (live models).
 */
@Feature({
  name: 'canvas-models',
  scope: 'canvases',
  limits: { canvasModels: { FREE: 10, PRO: 500, ENTERPRISE: null } },
})
export class CanvasModelsFeature implements FeatureUsage {
  constructor(private readonly repository: CanvasModelsRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { canvasModels: await this.repository.count(orgId) };
  }
}
