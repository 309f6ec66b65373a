import { Feature, type FeatureUsage } from '../../common/features/feature';
import { CanvasesRepository } from './canvases.repository';

/**
 * What the canvases module declares: its plan limit (live canvases of the whole org, PRIVATE ones
 * included). Its routes use the `canvases` API-key scope the canvas models feature declares (one
 * scope for models and canvases; declaring it twice would clash). No flag: canvases are always on.
 */
@Feature({ name: 'canvases', limits: { canvases: { FREE: 20, PRO: 1000, ENTERPRISE: null } } })
export class CanvasesFeature implements FeatureUsage {
  constructor(private readonly repository: CanvasesRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { canvases: await this.repository.count(orgId) };
  }
}
