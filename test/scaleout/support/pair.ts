import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import type { Pair } from '../../support/pair';
import { freePort } from '../../reliability/support/postgres-cluster';
import { ServerProcess } from '../../reliability/support/server-process';
import { Nginx, RedisServer } from './services';

/**
 * The settings of a built server in these tests (test values, secrets of its own, behind a proxy),
 * with `overrides`. Instances meant to act as one must be given the same secrets.
 */
export function serverEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    SEED_DEMO_DATA: 'false',
    BCRYPT_COST: '4',
    DATABASE_POOL_MAX: '4',
    DATA_DIR: 'memory://',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEYS: `k:${randomBytes(32).toString('base64')}`,
    TRUST_PROXY: 'true',
    ...overrides,
  };
}

/** What both instances share, as several instances of one deployment would (and the test apps read). */
function sharedEnv(smtpPort: number): Record<string, string> {
  const { LOG_LEVEL: _perInstance, ...env } = serverEnv({
    // The e2e files that drive one caller hard (isolation, cursors) ask for this much.
    RATE_LIMIT_PER_MINUTE: '100000',
    API_KEY_RATE_LIMIT_PER_MINUTE: '100000',
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    APP_URL: 'https://app.example.test',
  });
  return env;
}

/** The running pair and what it is made of, to stop it again. */
export class RunningPair {
  private constructor(
    readonly pair: Pair,
    readonly instances: ServerProcess[],
    private readonly nginx: Nginx,
    readonly redis: RedisServer,
    private readonly database: TestDatabase,
  ) {}

  /** Two built servers on a fresh database (from the run's template) and a fresh Redis, behind nginx. */
  static async start(): Promise<RunningPair> {
    const started: { stop(): Promise<void> }[] = [];
    const keep = <T extends { stop(): Promise<void> }>(part: T) => (started.push(part), part);
    try {
      const database = keep(await createTestDatabase().then((db) => Object.assign(db, { stop: db.drop })));
      const redis = keep(await RedisServer.start());
      const env = sharedEnv(await freePort());
      const instances = await Promise.all(
        [0, 1].map(async () =>
          keep(
            await ServerProcess.start({ ...env, DATABASE_URL: database.url!, REDIS_URL: redis.url, LOG_LEVEL: 'warn' }),
          ),
        ),
      );
      const nginx = keep(await Nginx.start(instances.map((instance) => instance.base)));
      const pair: Pair = {
        url: nginx.url,
        instances: instances.map((instance) => instance.base),
        databaseUrl: database.url!,
        redisUrl: redis.url,
        smtpPort: Number(new URL(env.SMTP_URL!).port),
        env,
      };
      return new RunningPair(pair, instances, nginx, redis, database);
    } catch (error) {
      // Nothing of a pair that did not come up may outlive the run.
      for (const part of started.reverse()) await part.stop().catch(() => undefined);
      throw error;
    }
  }

  /** What the instances wrote (warnings and errors), for a failing test's message. */
  get output(): string {
    return this.instances.map((instance, i) => `--- instance ${i}\n${instance.output}`).join('\n');
  }

  async stop(): Promise<void> {
    await this.nginx.stop();
    await Promise.all(this.instances.map((instance) => instance.stop()));
    await this.redis.stop();
    await this.database.drop();
  }
}
