import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Reads `.env` from the working directory into the environment, as `.env.example` promises.
 * Variables already set in the environment win; a missing file is fine.
 */
export function loadEnvFile(
  path = resolve(process.cwd(), '.env'),
  env: Record<string, string | undefined> = process.env,
): boolean {
  if (!existsSync(path)) return false;
  for (const [key, value] of Object.entries(parseEnv(readFileSync(path, 'utf8')))) {
    if (env[key] === undefined) env[key] = value;
  }
  return true;
}
