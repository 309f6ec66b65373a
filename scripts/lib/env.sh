# Sourced by db-migrate.sh and db-seed.sh: checks the environment name and loads .env.<env>
# (from ENV_DIR, default the repository root) into the environment. Prints no values.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
load_env() {
  local script=$1 env=${2:-}
  case "$env" in
    development | staging | production) ;;
    *)
      echo "usage: scripts/$script development|staging|production" >&2
      exit 2
      ;;
  esac
  local file="${ENV_DIR:-$ROOT}/.env.$env"
  if [ ! -f "$file" ]; then
    echo "$script: $file not found (copy .env.$env.example to .env.$env and fill it in)" >&2
    exit 1
  fi
  # Parsed as the server parses .env (dotenv syntax, not shell); the file's values win over the
  # shell's, so a DATABASE_URL left in the shell cannot send the command to another database.
  local exports
  exports=$(node -e '
    const { parseEnv } = require("node:util");
    const vars = parseEnv(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const quote = (value) => "\x27" + value.replace(/\x27/g, "\x27\\\x27\x27") + "\x27";
    for (const [key, value] of Object.entries(vars)) {
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) console.log(`export ${key}=${quote(value)}`);
    }' "$file") || {
    echo "$script: cannot read $file" >&2
    exit 1
  }
  eval "$exports"
  if [ -z "${DATABASE_URL:-}" ]; then
    echo "$script: DATABASE_URL is not set in $file" >&2
    exit 1
  fi
  export NODE_ENV=${NODE_ENV:-$env}
  cd "$ROOT"
}
