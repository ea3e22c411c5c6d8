#!/usr/bin/env bash
# `make run`: the whole portal on one machine, no servers needed (SQLite + Celery's filesystem
# broker under var/). Installs uv if missing, syncs the locked dependencies, migrates, seeds demo
# data, collects static files, then runs web + worker + beat with honcho (Ctrl-C stops all).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/ensure_uv.sh
source scripts/ensure_uv.sh

export PORT="${PORT:-8000}"
# Email links are built from SITE_URL: the address this run really serves.
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
export DEBUG=true
export REQUIRE_STAFF_MFA="${REQUIRE_STAFF_MFA:-false}"
export PYTHONUNBUFFERED=1
# Embedded mode on purpose: ignore service URLs that a shell (or scripts/test.sh) may export.
unset DATABASE_URL REDIS_URL CELERY_BROKER_URL CACHE_URL

if ! python3 - "$PORT" <<'PY'; then
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
    echo "error: port $PORT on 127.0.0.1 is in use: stop what runs there or use 'make run PORT=8001'." >&2
    exit 1
fi

ensure_uv
"${UV[@]}" sync --frozen --quiet

py=(.venv/bin/python manage.py)
"${py[@]}" migrate --noinput
"${py[@]}" seed_demo
"${py[@]}" refresh_transparency
"${py[@]}" collectstatic --noinput --verbosity 0

if [[ "$REQUIRE_STAFF_MFA" == "false" ]]; then
    mfa_note="This demo turns staff MFA off (REQUIRE_STAFF_MFA=false). To require TOTP for
  reviewers, leads and admins, run: make run REQUIRE_STAFF_MFA=true"
else
    mfa_note="Staff MFA is on (REQUIRE_STAFF_MFA=$REQUIRE_STAFF_MFA): reviewers, leads and admins
  set up TOTP before any staff page opens. The demo default is: make run REQUIRE_STAFF_MFA=false"
fi

export MFA_NOTE="$mfa_note" RECOURSE_PORT="$PORT"
# The address and logins now, and again (scripts/ready.sh, a Procfile process) once the portal
# answers, so they are not scrolled away by the start-up lines.
scripts/ready.sh --now

exec .venv/bin/honcho -f Procfile.dev start -p "$PORT"
