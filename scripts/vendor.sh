#!/usr/bin/env bash
# Re-fetch the vendored front-end files from npm (no CDN at runtime). Pinned versions; npm
# verifies each tarball against the registry's integrity hash. Writes static/vendor/ only.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PICO=2.1.1
AXE=4.14.1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@picocss/pico@$PICO" "axe-core@$AXE" >/dev/null)
mkdir -p "$work/pico" "$work/axe" static/vendor/pico tests/browser/static/vendor/axe
tar -xzf "$work/picocss-pico-$PICO.tgz" -C "$work/pico"
tar -xzf "$work/axe-core-$AXE.tgz" -C "$work/axe"

cp "$work/pico/package/css/pico.min.css" "$work/pico/package/LICENSE.md" static/vendor/pico/
cp "$work/axe/package/axe.min.js" "$work/axe/package/LICENSE" \
    "$work/axe/package/LICENSE-3RD-PARTY.txt" tests/browser/static/vendor/axe/

# axe-core publishes the SRI hash of every release: check the copy against it.
python3 - "$work/axe/package/sri-history.json" "$AXE" <<'PY'
import base64, hashlib, json, sys
expected = json.load(open(sys.argv[1]))[sys.argv[2]]["axe.min.js"]
digest = hashlib.sha256(open("tests/browser/static/vendor/axe/axe.min.js", "rb").read()).digest()
actual = "sha256-" + base64.b64encode(digest).decode()
sys.exit(0 if actual == expected else f"axe.min.js hash {actual} != published {expected}")
PY
echo "vendored pico $PICO and axe-core $AXE into static/vendor/"
