#!/usr/bin/env bash
# Applies pending migrations to the database of an environment: scripts/db-migrate.sh <env>
# reads .env.<env> (ENV_DIR, default the repository root) and runs `prisma migrate deploy`.
set -euo pipefail
# shellcheck source=scripts/lib/env.sh
. "$(dirname "$0")/lib/env.sh"
load_env db-migrate.sh "${1:-}"
[ $# -eq 1 ] || load_env db-migrate.sh ""
echo "Migrating the $1 database"
npx --no-install prisma migrate deploy
