/**
 * The bare baseline of the DESIGN.md performance budget: plain Fastify + `pg` (no Nest, no
 * Prisma) serving the three variable routes Orgbase serves, doing the same work with the fewest
 * round trips a careful engineer would use:
 *
 * - the HS256 access token verified with node:crypto (bench/jwt.ts: HMAC under a KeyObject made
 *   once, algorithm pinned, iss/aud/exp checked);
 * - the session (live, user not suspended or deleted) and the active membership in a
 *   non-deleted org checked by ONE join, in the same statement as the read it guards;
 * - the same app role as Orgbase (row-level security on), its settings sent in the same round
 *   trip: every request is one simple-protocol Query message of several statements, which
 *   PostgreSQL runs as one implicit transaction, so `set_config(..., true)` in the first
 *   statement holds for the next ones and ends with them (no BEGIN/COMMIT round trips);
 * - statements prepared once per connection (PREPARE) and run with EXECUTE on their generic plan,
 *   so PostgreSQL does not plan them again per request. The simple protocol takes no parameters: values are inlined
 *   as literals, ids only after the UUID check, text through pg's escapeLiteral.
 *
 * Per request: a read (list page, get by id) is 1 round trip (2 statements). A create is 3
 * round trips: BEGIN + RLS settings + the auth join; the plan-limit and audit-chain advisory
 * locks (the keys Orgbase uses), the org's plan and the head of its audit chain; then the
 * variable, its audit entry (the same hash chain as Orgbase: src/modules/audit/audit-chain.ts)
 * and COMMIT. Responses are the same JSON as Orgbase's (run.ts compares them); no helmet
 * headers, request log or problem+json details.
 *
 * Environment: PORT, DATABASE_URL, DATABASE_APP_ROLE, DATABASE_POOL_MAX (10, Orgbase's default),
 * JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE, WEB_CONCURRENCY (node:cluster workers, default 1).
 * run.ts compiles this file to plain JavaScript and starts it with node (no tsx in the process).
 */
import cluster from 'node:cluster';
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyReply } from 'fastify';
import { escapeLiteral, Pool, type QueryResult } from 'pg';
import { entryHash, redact, type ChainedEntry } from '../src/modules/audit/audit-chain';
import { secretKey, verifyAccessToken, type AccessClaims } from './jwt';

const env = process.env;
const WORKERS = Number(env.WEB_CONCURRENCY ?? 1);
const ROLE = env.DATABASE_APP_ROLE ?? 'orgbase_app';
const KEY = secretKey(env.JWT_SECRET ?? '');
const EXPECTED = { issuer: env.JWT_ISSUER ?? 'orgbase', audience: env.JWT_AUDIENCE ?? 'orgbase-api' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ROLE_RANK: Record<string, number> = { OWNER: 4, ADMIN: 3, EDITOR: 2, VIEWER: 1 };
/** The variables module's plan limits (src/modules/variables/variables.feature.ts). */
const VARIABLE_LIMIT: Record<string, number | null> = { FREE: 100, PRO: 5000, ENTERPRISE: null };
const COLUMNS = `id, "orgId", key, value, description, version, "createdByUserId", "createdAt", "updatedAt"`;

interface VariableRow {
  id: string;
  orgId: string;
  key: string;
  value: string;
  description: string | null;
  version: number;
  createdByUserId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A row of the read statement: the caller's role (null: not a member) and one variable, if any. */
type GuardedRow = { role: string | null } & { [K in keyof VariableRow]: VariableRow[K] | null };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

const pool = new Pool({
  connectionString: env.DATABASE_URL,
  max: Number(env.DATABASE_POOL_MAX ?? 10),
  // Generic plans: PostgreSQL would otherwise keep re-planning a statement whose LIMIT is a parameter
  // (a generic plan with an unknown LIMIT looks dearer than the custom ones); these are all keyed on indexes.
  options: `${ROLE ? `-c role=${ROLE} ` : ''}-c plan_cache_mode=force_generic_plan`,
});

function uuidv7(): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The caller's claims, or 401. */
function authenticate(authorization: string | undefined): AccessClaims {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
  const claims = token ? verifyAccessToken(token, KEY, EXPECTED) : null;
  if (!claims || !UUID.test(claims.sub) || !UUID.test(claims.sid)) throw new HttpError(401, 'UNAUTHENTICATED');
  return claims;
}

function orgIdOf(params: { orgId: string }): string {
  if (!UUID.test(params.orgId)) throw new HttpError(404, 'NOT_FOUND');
  return params.orgId.toLowerCase();
}

/** The caller's role in org $1 (null: not a member); no row when session $2 of user $3 is not live or the user is suspended or deleted. */
const AUTH_JOIN = `SELECT m.role FROM sessions s
  JOIN users u ON u.id = s."userId"
  LEFT JOIN memberships m ON m."orgId" = $1 AND m."userId" = s."userId" AND m.status = 'ACTIVE'
    AND EXISTS (SELECT 1 FROM organizations o WHERE o.id = m."orgId" AND o."deletedAt" IS NULL)
  WHERE s.id = $2 AND s."userId" = $3 AND s."revokedAt" IS NULL AND s."expiresAt" > now()
    AND u."suspendedAt" IS NULL AND u."deletedAt" IS NULL`;

/** The auth join and the variables it guards, in one statement: they are read only for a member. */
const guarded = (where: string, tail: string) => `WITH auth AS (${AUTH_JOIN})
  SELECT auth.role, v.* FROM auth LEFT JOIN LATERAL (
    SELECT ${COLUMNS} FROM variables WHERE auth.role IS NOT NULL AND "orgId" = $1 AND ${where} ${tail}
  ) v ON true`;

/**
 * Prepared once per connection (PREPARE) and run with EXECUTE, so PostgreSQL plans each once per
 * connection, not once per request: planning the auth join with its RLS policies costs several
 * times its execution.
 */
const STATEMENTS = {
  list_first: ['uuid, uuid, uuid, int', guarded('true', 'ORDER BY key, id LIMIT $4')],
  list_after: [
    'uuid, uuid, uuid, int, text, uuid',
    guarded('key >= $5 AND (key > $5 OR (key = $5 AND id > $6))', 'ORDER BY key, id LIMIT $4'),
  ],
  get: ['uuid, uuid, uuid, uuid', guarded('id = $4', '')],
  auth: ['uuid, uuid, uuid', AUTH_JOIN],
  // The plan-limit lock and the audit-chain lock Orgbase takes (same keys).
  locks: [
    'text',
    `SELECT pg_advisory_xact_lock(hashtextextended($1 || ':variables', 0)), pg_advisory_xact_lock(hashtextextended($1, 0))`,
  ],
  plan: ['uuid', 'SELECT tier, limits FROM organizations WHERE id = $1'],
  count: ['uuid', 'SELECT count(*)::int AS n FROM variables WHERE "orgId" = $1'],
  audit_head: ['uuid', 'SELECT seq, hash FROM audit_logs WHERE "orgId" = $1 ORDER BY seq DESC LIMIT 1'],
  insert_variable: [
    'uuid, uuid, text, text, text, uuid, timestamptz',
    `INSERT INTO variables (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7)`,
  ],
  insert_audit: [
    'uuid, uuid, bigint, uuid, text, jsonb, text, text, text, text, text, timestamptz',
    `INSERT INTO audit_logs (id, "orgId", seq, "actorType", "actorId", action, "resourceType", "resourceId", before,
       after, ip, "userAgent", "requestId", "prevHash", hash, "createdAt")
     VALUES ($1, $2, $3, 'USER', $4, 'variable.created', 'variable', $5, NULL, $6, $7, $8, $9, $10, $11, $12)`,
  ],
} as const;

const PREPARE_ALL = Object.entries(STATEMENTS)
  .map(([name, [types, sql]]) => `PREPARE bare_${name}(${types}) AS ${sql}`)
  .join(';\n');

// Queued on the new connection before the pool hands it out, so it runs before any EXECUTE.
pool.on('connect', (client) => {
  client.query(PREPARE_ALL).catch((error: unknown) => console.error('PREPARE failed', error));
});

type Value = string | number | bigint | null;
const literal = (value: Value) =>
  value === null ? 'NULL' : typeof value === 'string' ? escapeLiteral(value) : String(value);

/** `EXECUTE bare_<name>(…)`, values inlined (the simple protocol takes no parameters; strings escaped). */
function execute(name: keyof typeof STATEMENTS, ...values: Value[]): string {
  return `EXECUTE bare_${name}(${values.map(literal).join(', ')})`;
}

/** First statement of every Query message: the RLS settings for its implicit transaction. */
function rlsSettings(orgId: string, userId: string): string {
  return `SELECT set_config('app.org_id', ${literal(orgId)}, true), set_config('app.user_id', ${literal(userId)}, true)`;
}

/** 401 without a live session, 404 for a non-member, 403 below the route's role. */
function authorize(role: string | null | undefined, required: string): void {
  if (role === undefined) throw new HttpError(401, 'UNAUTHENTICATED');
  if (role === null) throw new HttpError(404, 'NOT_FOUND');
  if (ROLE_RANK[role]! < ROLE_RANK[required]!) throw new HttpError(403, 'FORBIDDEN');
}

/** One round trip: the RLS settings, then a guarded read (list_first, list_after or get). */
async function guardedRead(orgId: string, claims: AccessClaims, read: string): Promise<VariableRow[]> {
  const results = (await pool.query(
    `${rlsSettings(orgId, claims.sub)}; ${read}`,
  )) as unknown as QueryResult<GuardedRow>[];
  const rows = results[1]!.rows;
  authorize(rows[0]?.role, 'VIEWER');
  return rows.filter((row) => row.id !== null).map(({ role: _role, ...variable }) => variable as VariableRow);
}

/** Orgbase's cursor: base64url JSON of the last row's { key, id }. */
function decodeCursor(cursor: string): { key: string; id: string } {
  let after: { key?: unknown; id?: unknown };
  try {
    after = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as typeof after;
  } catch {
    throw new HttpError(400, 'VALIDATION_FAILED');
  }
  if (typeof after.key !== 'string' || typeof after.id !== 'string' || !UUID.test(after.id)) {
    throw new HttpError(400, 'VALIDATION_FAILED');
  }
  return { key: after.key, id: after.id };
}

async function list(orgId: string, claims: AccessClaims, query: { limit?: string; cursor?: string }) {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpError(400, 'VALIDATION_FAILED');
  const auth = [orgId, claims.sid, claims.sub, limit + 1] as const;
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const read = after ? execute('list_after', ...auth, after.key, after.id) : execute('list_first', ...auth);
  const rows = await guardedRead(orgId, claims, read);
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? Buffer.from(JSON.stringify({ key: last.key, id: last.id })).toString('base64url')
      : null;
  return { data, nextCursor };
}

async function get(orgId: string, claims: AccessClaims, id: string): Promise<VariableRow> {
  if (!UUID.test(id)) throw new HttpError(400, 'VALIDATION_FAILED');
  const [row] = await guardedRead(orgId, claims, execute('get', orgId, claims.sid, claims.sub, id.toLowerCase()));
  if (!row) throw new HttpError(404, 'NOT_FOUND');
  return row;
}

interface CreateBody {
  key: string;
  value: string;
  description?: string;
}

interface RequestMeta {
  ip: string;
  userAgent: string | null;
  requestId: string;
}

/** The variable and its audit entry in one transaction, in three round trips. */
async function create(orgId: string, claims: AccessClaims, body: CreateBody, meta: RequestMeta): Promise<VariableRow> {
  const client = await pool.connect();
  let open = false;
  try {
    open = true;
    const auth = (await client.query(
      `BEGIN; ${rlsSettings(orgId, claims.sub)}; ${execute('auth', orgId, claims.sid, claims.sub)}`,
    )) as unknown as QueryResult<{ role: string | null }>[];
    authorize(auth[2]!.rows[0]?.role, 'EDITOR');

    const state = (await client.query(
      `${execute('locks', orgId)}; ${execute('plan', orgId)}; ${execute('audit_head', orgId)}`,
    )) as unknown as [
      QueryResult,
      QueryResult<{ tier: string; limits: Record<string, unknown> }>,
      QueryResult<{ seq: string; hash: string }>,
    ];
    const plan = state[1].rows[0];
    if (!plan) throw new HttpError(404, 'NOT_FOUND');
    const override = plan.limits.variables;
    const allowed =
      override === null || (typeof override === 'number' && Number.isInteger(override) && override >= 0)
        ? override
        : VARIABLE_LIMIT[plan.tier]!;
    if (allowed !== null) {
      const used = await client.query<{ n: number }>(execute('count', orgId));
      if (used.rows[0]!.n >= allowed) throw new HttpError(403, 'PLAN_LIMIT_REACHED');
    }

    const now = new Date();
    const row: VariableRow = {
      id: uuidv7(),
      orgId,
      key: body.key,
      value: body.value,
      description: body.description ?? null,
      version: 1,
      createdByUserId: claims.sub,
      createdAt: now,
      updatedAt: now,
    };
    const head = state[2].rows[0];
    const entry: ChainedEntry = {
      id: uuidv7(),
      orgId,
      seq: (head ? BigInt(head.seq) : 0n) + 1n,
      actorType: 'USER',
      actorId: claims.sub,
      action: 'variable.created',
      resourceType: 'variable',
      resourceId: row.id,
      before: null,
      after: redact(row),
      ip: meta.ip,
      userAgent: meta.userAgent,
      requestId: meta.requestId,
      createdAt: new Date(),
      prevHash: head?.hash ?? null,
    };
    const insertVariable = execute(
      'insert_variable',
      row.id,
      orgId,
      row.key,
      row.value,
      row.description,
      claims.sub,
      now.toISOString(),
    );
    const insertAudit = execute(
      'insert_audit',
      entry.id,
      orgId,
      entry.seq,
      claims.sub,
      row.id,
      JSON.stringify(entry.after),
      entry.ip,
      entry.userAgent,
      entry.requestId,
      entry.prevHash,
      entryHash(entry),
      entry.createdAt.toISOString(),
    );
    await client.query(`${insertVariable}; ${insertAudit}; COMMIT`);
    open = false;
    return row;
  } catch (error) {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    if ((error as { code?: string }).code === '23505') throw new HttpError(409, 'DUPLICATE');
    throw error;
  } finally {
    client.release();
  }
}

function send(reply: FastifyReply, error: unknown) {
  if (error instanceof HttpError) return reply.code(error.status).send({ status: error.status, code: error.code });
  reply.log.error(error);
  return reply.code(500).send({ status: 500, code: 'INTERNAL' });
}

async function serve(): Promise<void> {
  const app = Fastify({ logger: { level: 'warn' }, genReqId: () => randomUUID() });
  type OrgParams = { Params: { orgId: string } };

  app.get<OrgParams & { Querystring: { limit?: string; cursor?: string } }>(
    '/v1/orgs/:orgId/variables',
    async (request, reply) => {
      try {
        const claims = authenticate(request.headers.authorization);
        return await list(orgIdOf(request.params), claims, request.query);
      } catch (error) {
        return send(reply, error);
      }
    },
  );

  app.get<{ Params: { orgId: string; variableId: string } }>(
    '/v1/orgs/:orgId/variables/:variableId',
    async (request, reply) => {
      try {
        const claims = authenticate(request.headers.authorization);
        const row = await get(orgIdOf(request.params), claims, request.params.variableId);
        reply.header('etag', `"${row.version}"`);
        return row;
      } catch (error) {
        return send(reply, error);
      }
    },
  );

  app.post<OrgParams & { Body: CreateBody }>(
    '/v1/orgs/:orgId/variables',
    {
      schema: {
        body: {
          type: 'object',
          required: ['key', 'value'],
          additionalProperties: false,
          properties: {
            key: { type: 'string', maxLength: 100, pattern: KEY_PATTERN.source },
            value: { type: 'string', maxLength: 10000 },
            description: { type: 'string', maxLength: 500 },
          },
        },
      },
    },
    async (request, reply) => {
      try {
        const claims = authenticate(request.headers.authorization);
        const meta = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null, requestId: request.id };
        const row = await create(orgIdOf(request.params), claims, request.body, meta);
        reply.code(201).header('etag', `"${row.version}"`);
        return row;
      } catch (error) {
        return send(reply, error);
      }
    },
  );

  app.get('/health/ready', async () => {
    await pool.query('SELECT 1');
    return { status: 'ok' };
  });

  await app.listen({ port: Number(env.PORT ?? 4000), host: '127.0.0.1' });
  const stop = () => void app.close().then(() => pool.end().then(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (WORKERS > 1 && cluster.isPrimary) {
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  process.once('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
} else {
  serve().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
