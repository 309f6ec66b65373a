import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from './app-config';

const key = (bytes = 32) => randomBytes(bytes).toString('base64');

describe('loadConfig', () => {
  it('applies defaults for an empty environment and selects the embedded database', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATA_DIR).toBe('./.data');
    expect(config.isEmbedded).toBe(true);
    expect(config.corsOrigins).toBe(false);
  });

  it('parses numbers, booleans and lists', () => {
    const config = loadConfig({
      PORT: '8080',
      MIGRATE_ON_START: 'false',
      CORS_ORIGINS: 'https://a.test, https://b.test',
      DATABASE_URL: 'postgresql://u@localhost:5432/db',
    });
    expect(config.PORT).toBe(8080);
    expect(config.MIGRATE_ON_START).toBe(false);
    expect(config.corsOrigins).toEqual(['https://a.test', 'https://b.test']);
    expect(config.isEmbedded).toBe(false);
  });

  it('seeds demo data by default only into an embedded database outside production; SEED_DEMO_DATA decides when set', () => {
    expect(loadConfig({}).seedsDemoData(true)).toBe(true);
    expect(loadConfig({}).seedsDemoData(false)).toBe(false);
    expect(loadConfig({ SEED_DEMO_DATA: 'true' }).seedsDemoData(false)).toBe(true);
    expect(loadConfig({ SEED_DEMO_DATA: 'false' }).seedsDemoData(true)).toBe(false);
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), ENCRYPTION_KEYS: `k1:${key()}` };
    expect(loadConfig(production).seedsDemoData(true)).toBe(false);
  });

  describe('WEB_CONCURRENCY', () => {
    const postgres = { DATABASE_URL: 'postgresql://u@localhost:5432/db' };
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), ENCRYPTION_KEYS: `k1:${key()}` };

    it('defaults to one worker per core in production on PostgreSQL, and to 1 otherwise', () => {
      expect(loadConfig({ ...production, ...postgres }).workerCount(8)).toBe(8);
      expect(loadConfig(postgres).workerCount(8)).toBe(1);
      expect(loadConfig(production).workerCount(8)).toBe(1);
      expect(loadConfig({}).workerCount(8)).toBe(1);
    });

    it('takes the number given, on PostgreSQL', () => {
      expect(loadConfig({ ...postgres, WEB_CONCURRENCY: '3' }).workerCount(8)).toBe(3);
      expect(loadConfig({ ...production, ...postgres, WEB_CONCURRENCY: '1' }).workerCount(8)).toBe(1);
    });

    it('refuses more than 1 on the embedded database, which is one process', () => {
      expect(loadConfig({ WEB_CONCURRENCY: '1' }).workerCount(8)).toBe(1);
      expect(() => loadConfig({ WEB_CONCURRENCY: '2' })).toThrow(
        new ConfigError(
          'Invalid environment variable WEB_CONCURRENCY: must be 1 on the embedded database (PGlite is one process); set DATABASE_URL for more workers',
        ),
      );
    });

    it('refuses several workers that would each generate their own secrets in memory', () => {
      const memory = { ...postgres, WEB_CONCURRENCY: '2', DATA_DIR: 'memory://' };
      expect(() => loadConfig(memory)).toThrow(
        'Invalid environment variable JWT_SECRET: required with WEB_CONCURRENCY',
      );
      expect(() => loadConfig({ ...memory, JWT_SECRET: 'x'.repeat(32) })).toThrow(
        'Invalid environment variable ENCRYPTION_KEYS: required with WEB_CONCURRENCY',
      );
      expect(loadConfig({ ...memory, JWT_SECRET: 'x'.repeat(32), ENCRYPTION_KEYS: `k1:${key()}` }).workerCount(8)).toBe(
        2,
      );
    });
  });

  it('reads the attachment types and the S3 settings, which need credentials', () => {
    expect(loadConfig({}).attachmentContentTypes).toContain('text/*');
    expect(loadConfig({ ATTACHMENT_CONTENT_TYPES: ' Text/*, image/png ' }).attachmentContentTypes).toEqual([
      'text/*',
      'image/png',
    ]);
    expect(() => loadConfig({ ATTACHMENT_CONTENT_TYPES: 'text' })).toThrow(/ATTACHMENT_CONTENT_TYPES/);
    expect(() => loadConfig({ S3_URL: 'http://127.0.0.1:9000' })).toThrow(
      'Invalid environment variable S3_ACCESS_KEY_ID: required with S3_URL',
    );
    expect(() => loadConfig({ S3_URL: 'ftp://x' })).toThrow(/S3_URL/);
    const s3 = loadConfig({ S3_URL: 'http://minio:9000', S3_ACCESS_KEY_ID: 'a', S3_SECRET_ACCESS_KEY: 'b' });
    expect([s3.S3_BUCKET, s3.S3_REGION, s3.S3_FORCE_PATH_STYLE]).toEqual(['orgbase', 'us-east-1', true]);
  });

  it('takes REDIS_URL as a redis:// or rediss:// URL', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/0' }).REDIS_URL).toBe('redis://127.0.0.1:6379/0');
    expect(loadConfig({ REDIS_URL: 'rediss://cache.example:6380' }).REDIS_URL).toBe('rediss://cache.example:6380');
    expect(loadConfig({}).REDIS_URL).toBeUndefined();
  });

  it('names the expected kind of value before a range', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow('Invalid environment variable PORT: must be an integer number');
    expect(() => loadConfig({ PORT: '70000' })).toThrow(
      'Invalid environment variable PORT: must not be greater than 65535',
    );
  });

  it('refuses production without JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('Invalid environment variable JWT_SECRET');
  });

  it('refuses production without ENCRYPTION_KEYS, and starts with them', () => {
    const jwt = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) };
    expect(() => loadConfig(jwt)).toThrow(
      new ConfigError('Invalid environment variable ENCRYPTION_KEYS: required when NODE_ENV=production'),
    );
    expect(() => loadConfig({ ...jwt, ENCRYPTION_KEYS: '' })).toThrow('ENCRYPTION_KEYS: required');
    expect(loadConfig({ ...jwt, ENCRYPTION_KEYS: `k1:${key()}` }).ENCRYPTION_KEYS).toMatch(/^k1:/);
  });

  it('takes ENCRYPTION_KEYS as given outside production, and leaves it unset by default', () => {
    const spec = `2025-06:${key()},2024_01:${key()}`;
    expect(loadConfig({ ENCRYPTION_KEYS: spec }).ENCRYPTION_KEYS).toBe(spec);
    expect(loadConfig({}).ENCRYPTION_KEYS).toBeUndefined();
  });

  it.each([
    ['a bad key id', `bad.id:${key()}`, 'entry 1 has an invalid key id (1 to 32 of A-Z a-z 0-9 _ -)'],
    [
      'a key of the wrong length',
      `k1:${key()},k2:${key(24)}`,
      'key "k2" must be 32 bytes after base64 decoding, not 24',
    ],
    ['duplicate ids', `k1:${key()},k1:${key()}`, 'key id "k1" appears more than once'],
    ['an entry without a colon', key(), 'entry 1 must be id:base64key'],
  ])('refuses ENCRYPTION_KEYS with %s in one line that names no key material', (_name, spec, reason) => {
    let thrown: unknown;
    try {
      loadConfig({ ENCRYPTION_KEYS: spec });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toBe(`Invalid environment variable ENCRYPTION_KEYS: ${reason}`);
    for (const part of spec.split(/[,:]/).filter((part) => part.length > 20)) {
      expect((thrown as Error).message).not.toContain(part);
    }
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://nope'],
    ['LOG_LEVEL', 'loud'],
    ['MIGRATE_ON_START', 'maybe'],
    ['NODE_ENV', 'staging'],
    ['ENCRYPTION_KEYS', 'k1:c2hvcnQ='],
    ['WEB_CONCURRENCY', '0'],
    ['WEB_CONCURRENCY', 'auto'],
    ['REDIS_URL', 'http://cache:6379'],
  ])('rejects %s=%s with a one-line message naming the variable', (name, value) => {
    let thrown: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as Error).message;
    expect(message).toContain(`Invalid environment variable ${name}:`);
    expect(message).not.toContain('\n');
  });

  describe('sign-in providers (OIDC_PROVIDERS, AUTH_GITHUB_*)', () => {
    const entry = { id: 'corp', issuer: 'https://id.example.com', clientId: 'c', clientSecret: 's' };
    const providers = (value: unknown) => JSON.stringify(value);

    it('reads the OIDC issuers with default scopes and name, and adds GitHub when configured', () => {
      const config = loadConfig({
        OIDC_PROVIDERS: providers([entry, { ...entry, id: 'other_2', name: 'Other', scopes: ['openid', 'email'] }]),
        AUTH_GITHUB_CLIENT_ID: 'gh',
        AUTH_GITHUB_CLIENT_SECRET: 'gh-secret',
      });
      expect(config.signInProviders.map(({ id, type, name, scopes }) => ({ id, type, name, scopes }))).toEqual([
        { id: 'corp', type: 'oidc', name: 'corp', scopes: ['openid', 'email', 'profile'] },
        { id: 'other_2', type: 'oidc', name: 'Other', scopes: ['openid', 'email'] },
        { id: 'github', type: 'github', name: 'GitHub', scopes: ['read:user', 'user:email'] },
      ]);
      expect(loadConfig({}).signInProviders).toEqual([]);
    });

    it.each([
      ['not json', '{oops', 'JSON array'],
      ['an object', providers(entry), 'JSON array'],
      ['a bad id', providers([{ ...entry, id: 'Has Space' }]), 'entry 0: id'],
      ['the reserved github', providers([{ ...entry, id: 'github' }]), 'reserved'],
      ['a repeated id', providers([entry, entry]), 'used twice'],
      ['a bad issuer', providers([{ ...entry, issuer: 'ftp://x' }]), 'issuer'],
      ['no secret', providers([{ ...entry, clientSecret: '' }]), 'clientSecret'],
      ['scopes without openid', providers([{ ...entry, scopes: ['email'] }]), 'scopes'],
    ])('refuses %s with one line', (_case, value, reason) => {
      expect(() => loadConfig({ OIDC_PROVIDERS: value })).toThrow(ConfigError);
      expect(() => loadConfig({ OIDC_PROVIDERS: value })).toThrow(
        /^Invalid environment variable OIDC_PROVIDERS: [^\n]*$/,
      );
      expect(() => loadConfig({ OIDC_PROVIDERS: value })).toThrow(reason);
    });
  });
});
