import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { parseExpression } from 'cron-parser';
import { KeyRingConfigError, parseKeyRingSpec } from '../common/secrets/key-ring';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
/** `type/subtype` or `type/*`, spaces around allowed (ATTACHMENT_CONTENT_TYPES). */
const CONTENT_TYPE = String.raw`\s*[a-z0-9!#$&^_.+-]+/(\*|[a-z0-9!#$&^_.+-]+)\s*`;
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return value;
};

/**
 * The environment the server reads, validated once at boot.
 * Every variable is documented in README.md and .env.example.
 */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** PostgreSQL connection string; when absent the server runs on embedded PGlite under DATA_DIR. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgresql:// URL' })
  DATABASE_URL?: string = undefined;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_MAX = 10;

  /**
   * How long the guards may reuse a session, membership, API key or org plan they looked up
   * (0: look up on every request). Changes reach every instance at once through the database's
   * notifications; this is the bound if one were lost.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  ACCESS_CACHE_TTL_MS = 5000;

  /**
   * How long getting a PostgreSQL connection may take (opening one, or waiting for a busy pool to
   * free one) before the request fails with 503. A transaction waits to start at least 10 s.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  DATABASE_CONNECT_TIMEOUT_MS = 5000;

  /** Where the embedded database and its generated secrets live ("memory://" keeps it in memory). */
  @IsString()
  DATA_DIR = './.data';

  /** Apply pending migrations from prisma/migrations at start (always on for the embedded database). */
  @Transform(toBool)
  @IsBoolean()
  MIGRATE_ON_START = true;

  /**
   * Seed demo data into an empty database at start. Unset: on for the embedded database outside
   * production, off on PostgreSQL (docker compose turns it on).
   */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  SEED_DEMO_DATA?: boolean = undefined;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Comma-separated allowed origins for CORS; empty disables CORS, "*" allows any origin. */
  @IsString()
  CORS_ORIGINS = '';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(100 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  /**
   * Take the client address from X-Forwarded-For (per-IP login limits, audit IPs). Only behind
   * a proxy that sets it: otherwise any client could claim any address.
   */
  @Transform(toBool)
  @IsBoolean()
  TRUST_PROXY = false;

  /** How long SIGTERM waits for in-flight requests before forcing exit. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /**
   * How long a request may take before it is answered 503 REQUEST_TIMEOUT and its transaction
   * rolled back; a route may set its own with @RequestTimeout(ms).
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  REQUEST_TIMEOUT_MS = 30_000;

  /**
   * Role the server switches to on every database connection; it does not bypass row-level
   * security. Created by the migrations. Empty keeps the connecting user (which must then not
   * be a superuser or BYPASSRLS for RLS to hold).
   */
  @Matches(/^([a-z_][a-z0-9_]*)?$/, { message: 'must be a PostgreSQL role name' })
  DATABASE_APP_ROLE = 'orgbase_app';

  /**
   * Worker processes (node:cluster) sharing PORT. Unset: one per core with NODE_ENV=production on
   * PostgreSQL, otherwise 1 (development, and always on the embedded database: PGlite is one process).
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  WEB_CONCURRENCY?: number = undefined;

  /**
   * Scenario runs (background jobs, pg-boss) this process plays at once; 0: it plays none (it
   * still queues them for other instances). Every instance and worker process shares the queue.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(64)
  RUN_CONCURRENCY = 2;

  /** How often an idle job worker looks for queued jobs (ms; a job queued here starts at once). */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(60_000)
  JOBS_POLL_INTERVAL_MS = 2000;

  /** Tries of a model call that failed with a retryable error (429, 5xx, timeout), the first included. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10)
  RUN_MODEL_ATTEMPTS = 3;

  /** The wait before the second try of a model call; it doubles with each further try (plus jitter). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  RUN_RETRY_DELAY_MS = 1000;

  /** The longest one scenario of a run may take; past it the scenario is tried again, then an error. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3600)
  RUN_SCENARIO_TIMEOUT_SECONDS = 900;

  /**
   * How often this process looks for runs that made no progress for as long (a crash between
   * the run's commit and its jobs, a job that failed for good) to queue or close what they lack.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  RUN_SWEEP_INTERVAL_SECONDS = 60;

  /** At shutdown, how long scenarios being played may go on before they are stopped (and retried elsewhere). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  JOBS_SHUTDOWN_GRACE_MS = 5000;

  /**
   * redis:// or rediss:// URL. With it, request rate limits and sign-in limits are counted in Redis,
   * shared by every worker and instance; without it, each process counts on its own.
   */
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string = undefined;

  /** HMAC secret for access tokens (>= 32 chars). Required in production; otherwise generated and kept in DATA_DIR. */
  @IsOptional()
  @MinLength(32)
  JWT_SECRET?: string = undefined;

  /**
   * Keys for third-party secrets at rest (AES-256-GCM): comma-separated `id:base64key` pairs,
   * newest first, each 32 bytes. Required in production; otherwise generated and kept in DATA_DIR.
   */
  @IsOptional()
  @IsString()
  ENCRYPTION_KEYS?: string = undefined;

  @IsString()
  JWT_ISSUER = 'orgbase';

  @IsString()
  JWT_AUDIENCE = 'orgbase-api';

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(24 * 3600)
  ACCESS_TOKEN_TTL_SECONDS = 900;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(365)
  REFRESH_TOKEN_TTL_DAYS = 30;

  /** bcrypt cost for passwords; 12 in production, tests may lower it. */
  @Transform(toInt)
  @IsInt()
  @Min(4)
  @Max(15)
  BCRYPT_COST = 12;

  /**
   * Failed sign-ins allowed for one account from one address before that pair must wait
   * LOGIN_BACKOFF_SECONDS (doubling with each further failure). Other addresses are not affected.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES = 5;

  /** How long failures are remembered (after the last one), and the longest wait. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_WINDOW_SECONDS = 900;

  /** The first wait once a pair or an address has used up its failures; each further failure doubles it. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_BACKOFF_SECONDS = 30;

  /** Failed sign-ins allowed from one address across all accounts before it must wait (password spraying). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_IP_MAX_FAILURES = 50;

  /**
   * Failed sign-ins on one account from all addresses within LOGIN_WINDOW_SECONDS after which
   * its owner is mailed an unlock link and addresses the account never signed in from must wait.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_ACCOUNT_MAX_FAILURES = 50;

  /**
   * Seconds in which a just-rotated refresh token, presented again, gets the same new pair (two
   * tabs refreshing at once, a lost response) instead of counting as reuse. 0 turns it off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  REFRESH_REUSE_GRACE_SECONDS = 10;

  /** Registrations per address per hour that may answer 409 (email taken) before that address gets 429. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  REGISTER_MAX_DUPLICATES_PER_IP = 10;

  /** Requests per minute for each caller (user or IP); service API keys use their own limit. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  API_KEY_RATE_LIMIT_PER_MINUTE = 600;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(90)
  INVITATION_TTL_DAYS = 7;

  /** smtp:// or smtps:// URL; without it emails are written to the log instead of sent. */
  @IsOptional()
  @Matches(/^smtps?:\/\/.+/, { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string = undefined;

  @IsString()
  MAIL_FROM = 'Orgbase <no-reply@orgbase.local>';

  /** Base URL of the frontend that links in emails point to. */
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL' })
  APP_URL = 'http://localhost:3000';

  /**
   * Outbound requests the server makes on a user's behalf (provider base URLs, later webhooks and
   * git servers) may reach loopback, private, unique-local and CGNAT addresses. Off by default:
   * link-local and cloud metadata addresses are refused even when on.
   */
  @Transform(toBool)
  @IsBoolean()
  OUTBOUND_ALLOW_PRIVATE = false;

  /**
   * Comma-separated host names (or addresses) outbound requests may reach even when they resolve
   * to private addresses, e.g. an in-house model server; link-local and metadata stay refused.
   */
  @IsString()
  OUTBOUND_ALLOWED_HOSTS = '';

  /**
   * OAuth app credentials used to refresh expired git provider tokens (GitHub, GitHub Enterprise;
   * GitLab, self-hosted GitLab). Without them a provider whose token expired or was rejected fails
   * its sync with an error saying so.
   */
  @IsOptional()
  @IsString()
  GITHUB_OAUTH_CLIENT_ID?: string = undefined;

  @IsOptional()
  @IsString()
  GITHUB_OAUTH_CLIENT_SECRET?: string = undefined;

  @IsOptional()
  @IsString()
  GITLAB_OAUTH_CLIENT_ID?: string = undefined;

  @IsOptional()
  @IsString()
  GITLAB_OAUTH_CLIENT_SECRET?: string = undefined;

  // --- Sign in with an identity provider (issue 12, oauth) ---

  /**
   * OpenID Connect issuers users may sign in with: a JSON array of
   * `{"id","issuer","clientId","clientSecret","scopes"?,"name"?}` (checked at start, see oidcProviders).
   */
  @IsString()
  OIDC_PROVIDERS = '';

  /**
   * A GitHub OAuth app for sign-in (provider id `github`). Apart from GITHUB_OAUTH_CLIENT_ID, which
   * refreshes git providers' tokens: sign-in asks only for `read:user user:email` and has its own callback.
   */
  @IsOptional()
  @IsString()
  AUTH_GITHUB_CLIENT_ID?: string = undefined;

  @IsOptional()
  @IsString()
  AUTH_GITHUB_CLIENT_SECRET?: string = undefined;

  /** GitHub's web and API base URLs for sign-in (GitHub Enterprise, or a stub in tests). */
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL' })
  AUTH_GITHUB_URL = 'https://github.com';

  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL' })
  AUTH_GITHUB_API_URL = 'https://api.github.com';

  /**
   * This API's public base URL, for the callback URL providers redirect to
   * (`<PUBLIC_API_URL>/v1/auth/oauth/<id>/callback`); without it, the request's own origin.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^/]+\/?$/, { message: 'must be an http(s) origin such as https://api.example.com' })
  PUBLIC_API_URL?: string = undefined;

  /** The sign-in providers: OIDC_PROVIDERS, plus `github` when AUTH_GITHUB_CLIENT_ID is set. */
  get signInProviders(): SignInProvider[] {
    const github: SignInProvider[] =
      this.AUTH_GITHUB_CLIENT_ID && this.AUTH_GITHUB_CLIENT_SECRET
        ? [
            {
              id: 'github',
              type: 'github',
              name: 'GitHub',
              issuer: this.AUTH_GITHUB_URL,
              clientId: this.AUTH_GITHUB_CLIENT_ID,
              clientSecret: this.AUTH_GITHUB_CLIENT_SECRET,
              scopes: ['read:user', 'user:email'],
            },
          ]
        : [];
    return [...parseOidcProviders(this.OIDC_PROVIDERS), ...github];
  }

  /** How long one model call (request and whole reply) may take before it fails as retryable. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  LLM_TIMEOUT_MS = 60_000;

  /** How long `POST …/hosts/{hostId}/check` waits for the TCP connection before recording OFFLINE. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  HOST_CHECK_TIMEOUT_MS = 5_000;

  /** How long `POST …/connections/{connectionId}/test` waits for the SSH handshake and sign-in. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  SSH_TEST_TIMEOUT_MS = 10_000;

  /** The largest attachment a client may upload (bytes); larger ones are refused with 413 PAYLOAD_TOO_LARGE. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1024 * 1024 * 1024)
  ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;

  /**
   * Comma-separated content types attachments may have; `type/*` allows a whole family. Others
   * are refused with 415 UNSUPPORTED_MEDIA_TYPE.
   */
  @Matches(new RegExp(`^${CONTENT_TYPE}(,${CONTENT_TYPE})*$`, 'i'), {
    message: 'must be a comma-separated list of content types (type/subtype or type/*)',
  })
  ATTACHMENT_CONTENT_TYPES = 'text/*,application/json,application/pdf,image/png,image/jpeg,image/webp,image/gif';

  /** How often this process queues the sweep that deletes the stored files of deleted attachments. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  ATTACHMENT_SWEEP_INTERVAL_SECONDS = 60;

  /**
   * S3-compatible storage for attachments (http(s)://host:port of the endpoint). Unset: files are
   * kept under DATA_DIR/attachments (in memory with DATA_DIR=memory://).
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+\/?$/, { message: 'must be an http(s)://host[:port] URL' })
  S3_URL?: string = undefined;

  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'must be an S3 bucket name' })
  S3_BUCKET = 'orgbase';

  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string = undefined;

  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string = undefined;

  @IsString()
  S3_REGION = 'us-east-1';

  /** Path-style URLs (http://host/bucket/key), which MinIO and most S3-compatible servers need. */
  @Transform(toBool)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = true;

  // --- Webhooks (issue 12, hooks) ---
  /** How long a webhook receiver may take to answer one delivery attempt. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** Attempts of one delivery (the first included) before it is FAILED. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(20)
  WEBHOOK_MAX_ATTEMPTS = 6;

  /** Seconds before the first retry; doubled per retry (10 s, 20 s, 40 s, … by default). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  WEBHOOK_RETRY_DELAY_SECONDS = 10;

  /** Deliveries older than this are deleted by the webhook sweep. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  WEBHOOK_DELIVERY_RETENTION_DAYS = 30;

  /** How often this process sweeps deliveries: re-queues PENDING ones idle this long, prunes old ones. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  WEBHOOK_SWEEP_INTERVAL_SECONDS = 300;
  // --- end webhooks ---

  // --- Backups (issue 12, ops) ---

  /** Where backup files go. Unset: `<DATA_DIR>/backups` (`./backups` with DATA_DIR=memory://). */
  @IsOptional()
  @IsString()
  BACKUP_DIR?: string = undefined;

  /** How many automatic backups (scheduled, pre-migration) to keep, newest first; manual ones are kept. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  BACKUP_KEEP = 14;

  /** When to take the scheduled backup (cron, UTC; one instance takes it). Empty: no scheduled backups. */
  @IsString()
  BACKUP_CRON = '0 2 * * *';

  /** Back up the database before the server applies pending migrations at start (not an empty one). */
  @Transform(toBool)
  @IsBoolean()
  BACKUP_BEFORE_MIGRATE = true;

  /** The allowed attachment content types, lower-case. */
  get attachmentContentTypes(): string[] {
    return this.ATTACHMENT_CONTENT_TYPES.split(',')
      .map((type) => type.trim().toLowerCase())
      .filter(Boolean);
  }
  /**
   * Chat messages (posted or regenerated: each one model call) per minute per user, by the
   * organization's tier. Counted in Redis when REDIS_URL is set, so the budget holds across instances.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  CHAT_MESSAGES_PER_MINUTE_FREE = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  CHAT_MESSAGES_PER_MINUTE_PRO = 60;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  CHAT_MESSAGES_PER_MINUTE_ENTERPRISE = 300;

  get isEmbedded(): boolean {
    return !this.DATABASE_URL;
  }

  /** Whether to seed demo data into an empty database of the given kind (see SEED_DEMO_DATA). */
  seedsDemoData(embedded: boolean): boolean {
    return this.SEED_DEMO_DATA ?? (embedded && this.NODE_ENV !== 'production');
  }

  /** How many workers to run on a machine with `cores` cores (see WEB_CONCURRENCY). */
  workerCount(cores: number): number {
    return this.WEB_CONCURRENCY ?? (this.NODE_ENV === 'production' && !this.isEmbedded ? cores : 1);
  }

  get corsOrigins(): string[] | true | false {
    const raw = this.CORS_ORIGINS.trim();
    if (raw === '') return false;
    if (raw === '*') return true;
    return raw
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean);
  }
}

export class ConfigError extends Error {}

/** Variables whose empty value is a setting of its own (off), not "use the default". */
const EMPTY_MEANS_OFF = new Set(['BACKUP_CRON']);
/** One identity provider users may sign in with (issue 12, oauth). */
export interface SignInProvider {
  /** URL-safe, unique; in the start and callback paths. */
  id: string;
  type: 'oidc' | 'github';
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

const PROVIDER_ID = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** OIDC_PROVIDERS parsed; a ConfigError names the first bad entry. */
export function parseOidcProviders(raw: string): SignInProvider[] {
  if (raw.trim() === '') return [];
  const bad = (reason: string) => new ConfigError(`Invalid environment variable OIDC_PROVIDERS: ${reason}`);
  let entries: unknown;
  try {
    entries = JSON.parse(raw);
  } catch {
    throw bad('must be a JSON array of {id, issuer, clientId, clientSecret, scopes?, name?}');
  }
  if (!Array.isArray(entries))
    throw bad('must be a JSON array of {id, issuer, clientId, clientSecret, scopes?, name?}');
  const seen = new Set<string>();
  return entries.map((entry: unknown, index) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const text = (key: string) => (typeof e[key] === 'string' && e[key] !== '' ? e[key] : undefined);
    const id = text('id');
    if (!id || !PROVIDER_ID.test(id))
      throw bad(`entry ${index}: id must be lowercase letters, digits, - or _ (at most 40)`);
    if (id === 'github') throw bad(`entry ${index}: id "github" is reserved (set AUTH_GITHUB_CLIENT_ID instead)`);
    if (seen.has(id)) throw bad(`entry ${index}: id "${id}" is used twice`);
    seen.add(id);
    const issuer = text('issuer');
    if (!issuer || !/^https?:\/\/[^\s]+$/.test(issuer)) throw bad(`entry ${index}: issuer must be an http(s) URL`);
    const clientId = text('clientId');
    const clientSecret = text('clientSecret');
    if (!clientId || !clientSecret) throw bad(`entry ${index}: clientId and clientSecret are required`);
    const scopes = e.scopes ?? ['openid', 'email', 'profile'];
    if (
      !Array.isArray(scopes) ||
      !scopes.every((s) => typeof s === 'string' && /^\S+$/.test(s)) ||
      !scopes.includes('openid')
    )
      throw bad(`entry ${index}: scopes must be an array of scope names including "openid"`);
    if (e.name !== undefined && typeof e.name !== 'string') throw bad(`entry ${index}: name must be a string`);
    return { id, type: 'oidc' as const, name: text('name') ?? id, issuer, clientId, clientSecret, scopes };
  });
}

/** Validates the environment; throws a ConfigError whose one-line message names the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const input = Object.fromEntries(
    known
      .filter((key) => env[key] !== undefined && (env[key] !== '' || EMPTY_MEANS_OFF.has(key)))
      .map((key) => [key, env[key]]),
  );
  const config = plainToInstance(AppConfig, input);
  const [error] = validateSync(config, { forbidUnknownValues: true });
  if (error) {
    // Say what kind of value is expected before any range ("abc" is not an integer, not "too big").
    const constraints = error.constraints ?? {};
    const kind = ['isInt', 'isBoolean', 'isIn', 'matches', 'isString'].find((name) => name in constraints);
    const reason = (kind && constraints[kind]) ?? Object.values(constraints)[0] ?? 'is invalid';
    throw new ConfigError(
      `Invalid environment variable ${error.property}: ${reason.replace(`${error.property} `, '')}`,
    );
  }
  if (config.NODE_ENV === 'production' && !config.JWT_SECRET) {
    throw new ConfigError('Invalid environment variable JWT_SECRET: required when NODE_ENV=production');
  }
  // Refused rather than lowered to 1: whoever asked for several workers should learn it did not happen.
  if (config.isEmbedded && (config.WEB_CONCURRENCY ?? 1) > 1) {
    throw new ConfigError(
      'Invalid environment variable WEB_CONCURRENCY: must be 1 on the embedded database (PGlite is one process); set DATABASE_URL for more workers',
    );
  }
  // Generated secrets are shared through DATA_DIR/secrets.json; in memory each worker would make its own.
  const missing = (['JWT_SECRET', 'ENCRYPTION_KEYS'] as const).find((name) => !config[name]);
  if ((config.WEB_CONCURRENCY ?? 1) > 1 && config.DATA_DIR === 'memory://' && missing) {
    throw new ConfigError(
      `Invalid environment variable ${missing}: required with WEB_CONCURRENCY > 1 and DATA_DIR=memory://`,
    );
  }
  if (config.S3_URL) {
    const missing = (['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const).find((name) => !config[name]);
    if (missing) throw new ConfigError(`Invalid environment variable ${missing}: required with S3_URL`);
  }
  if (config.BACKUP_CRON.trim() !== '') {
    try {
      parseExpression(config.BACKUP_CRON.trim(), { utc: true });
    } catch {
      throw new ConfigError(
        'Invalid environment variable BACKUP_CRON: must be a cron expression (e.g. "0 2 * * *") or empty',
      );
    }
  }
  // Sign-in providers (issue 12, oauth): a bad entry stops the start like any bad variable.
  parseOidcProviders(config.OIDC_PROVIDERS);
  if (config.ENCRYPTION_KEYS !== undefined) {
    try {
      parseKeyRingSpec(config.ENCRYPTION_KEYS);
    } catch (error) {
      if (!(error instanceof KeyRingConfigError)) throw error;
      throw new ConfigError(`Invalid environment variable ENCRYPTION_KEYS: ${error.message}`);
    }
  } else if (config.NODE_ENV === 'production') {
    throw new ConfigError('Invalid environment variable ENCRYPTION_KEYS: required when NODE_ENV=production');
  }
  return config;
}
