#!/usr/bin/env bash
# Seeds the database of an environment: scripts/db-seed.sh <env>, reading .env.<env> (ENV_DIR).
#   development, staging: the demo data (organizations, users, prompts...), into an empty database.
#   production: only the platform admin from ADMIN_EMAIL / ADMIN_PASSWORD; refused once any user exists.
set -euo pipefail
# shellcheck source=scripts/lib/env.sh
. "$(dirname "$0")/lib/env.sh"
load_env db-seed.sh "${1:-}"
[ $# -eq 1 ] || load_env db-seed.sh ""
if [ "$1" = production ]; then
  exec npx --no-install tsx prisma/seed-admin.ts
fi
echo "Seeding demo data into the $1 database"
exec npx --no-install tsx prisma/seed.ts
