import { join } from 'node:path';
import type { AppConfig } from '../../../config/app-config';
import { DiskStorage, MemoryStorage, type FileStorage } from './file-storage';
import { S3Storage } from './s3-storage';

/** S3 when S3_URL is set, else DATA_DIR/attachments (memory with DATA_DIR=memory://). */
export function createFileStorage(config: AppConfig): FileStorage {
  if (config.S3_URL) return new S3Storage(config);
  if (config.DATA_DIR === 'memory://') return new MemoryStorage();
  return new DiskStorage(join(config.DATA_DIR, 'attachments'));
}
