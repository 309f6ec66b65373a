import { ConfigError, loadConfig } from './app-config';

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

  it('names the expected kind of value before a range', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow('Invalid environment variable PORT: must be an integer number');
    expect(() => loadConfig({ PORT: '70000' })).toThrow(
      'Invalid environment variable PORT: must not be greater than 65535',
    );
  });

  it('refuses production without JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('Invalid environment variable JWT_SECRET');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://nope'],
    ['LOG_LEVEL', 'loud'],
    ['MIGRATE_ON_START', 'maybe'],
    ['NODE_ENV', 'staging'],
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
});
