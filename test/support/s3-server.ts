import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3Server {
  /** Environment for the app: S3_URL and the rest. */
  env: Record<string, string>;
  bucket: string;
  /** Where s3rver keeps its objects (to look behind the API). */
  directory: string;
  close(): Promise<void>;
}

/** A real S3 API (s3rver) on loopback, an empty bucket, its files in a temp dir. */
export async function startS3Server(bucket = 'orgbase-test'): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'orgbase-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    env: {
      S3_URL: `http://127.0.0.1:${port}`,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_REGION: 'us-east-1',
    },
    bucket,
    directory,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
