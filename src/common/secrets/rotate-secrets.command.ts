import { ConfigError, loadConfig } from '../../config/app-config';
import { loadEnvFile } from '../../config/env-file';
import { openDatabase } from '../../database/database-connection';
import { resolveKeyRing } from './key-ring.provider';
import { DEFAULT_ROTATION_BATCH_SIZE, rotateSecrets, type ColumnRotation } from './secret-rotation';

const FAILURES_SHOWN = 10;

/**
 * `npm run secrets:rotate [-- --batch-size=500]` (or `node dist/common/secrets/rotate-secrets.command.js`
 * where only the build is installed): re-encrypts every stored secret under the newest key of
 * ENCRYPTION_KEYS (or of the key kept in DATA_DIR), as the database owner, on PostgreSQL
 * (DATABASE_URL) or the embedded database (stop the server first: PGlite is single-process).
 * Returns the exit code: 0 when every value is under the newest key.
 */
export async function runSecretRotation(
  env: Record<string, string | undefined>,
  args: readonly string[],
  print: (line: string) => void,
): Promise<number> {
  let batchSize = DEFAULT_ROTATION_BATCH_SIZE;
  for (const arg of args) {
    const match = /^--batch-size=(\d+)$/.exec(arg);
    if (!match || Number(match[1]) < 1) {
      print(`Unknown argument ${arg} (usage: secrets:rotate [--batch-size=${DEFAULT_ROTATION_BATCH_SIZE}])`);
      return 2;
    }
    batchSize = Number(match[1]);
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    print(error.message);
    return 1;
  }
  if (!config.DATABASE_URL && config.DATA_DIR === 'memory://') {
    print('DATA_DIR=memory:// keeps no secrets between runs: nothing to rotate');
    return 1;
  }
  const keyRing = resolveKeyRing(config);
  const where = config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `the embedded database in ${config.DATA_DIR}`;
  print(`Re-encrypting secrets under key "${keyRing.currentKeyId}" on ${where}, ${batchSize} rows per transaction`);

  const connection = await openDatabase(config);
  let results: ColumnRotation[];
  try {
    results = await connection.asOwner((session) =>
      rotateSecrets(session, keyRing, { batchSize, onColumn: (result) => printColumn(result, print) }),
    );
  } finally {
    await connection.close();
  }

  const failed = results.reduce((sum, result) => sum + result.failed.length, 0);
  const rotated = results.reduce((sum, result) => sum + result.rotated, 0);
  if (failed > 0) {
    print(`Not done: ${failed} value(s) could not be re-encrypted (listed above); keep their keys in ENCRYPTION_KEYS`);
    return 1;
  }
  const older = keyRing.keyIds.slice(1);
  print(
    `Done: ${rotated} value(s) re-encrypted, every secret is under key "${keyRing.currentKeyId}"` +
      (older.length ? `; ${older.map((id) => `"${id}"`).join(', ')} can be removed from ENCRYPTION_KEYS` : ''),
  );
  return 0;
}

function printColumn(result: ColumnRotation, print: (line: string) => void): void {
  print(
    `${result.column}: ${result.scanned} value(s), ${result.rotated} re-encrypted, ${result.current} already current, ${result.failed.length} failed`,
  );
  for (const failure of result.failed.slice(0, FAILURES_SHOWN)) print(`  row ${failure.id}: ${failure.reason}`);
  if (result.failed.length > FAILURES_SHOWN) print(`  … and ${result.failed.length - FAILURES_SHOWN} more`);
}

if (require.main === module) {
  loadEnvFile();
  runSecretRotation(process.env, process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`Secret rotation failed: ${(error as Error).message ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
