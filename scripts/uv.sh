#!/usr/bin/env bash
# Run uv however it is available here (installing it if missing): scripts/uv.sh run ruff check .
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/ensure_uv.sh
source scripts/ensure_uv.sh
ensure_uv
exec "${UV[@]}" "$@"
