#!/usr/bin/env bash
# The address and the demo logins of `make run`. `--now` prints them at once; without it (the
# `ready` process of Procfile.dev) it waits until /healthz answers, then prints them again below
# the start-up lines of web, worker and beat.
set -euo pipefail

# honcho gives each process its own PORT (web the first): run.sh passes the real one on.
url="http://127.0.0.1:${RECOURSE_PORT:-${PORT:-8000}}/"

banner() {
    cat <<MSG

  Recourse $1 $url

  Demo logins (password for all: recourse-demo-2026)
    freelancer (several actions)  amara@demo.recourse.test
    freelancer                    jonas@demo.recourse.test
    reviewer                      riley@demo.recourse.test
    reviewer (took the decisions) sam@demo.recourse.test
    lead                          lena@demo.recourse.test
    admin                         admin@demo.recourse.test

  ${MFA_NOTE:-}

  Web, Celery worker and beat run below; Ctrl-C stops them all.

MSG
}

if [[ "${1:-}" == "--now" ]]; then
    banner "is starting at"
    exit 0
fi

for _ in $(seq 1 120); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "${url}healthz" 2>/dev/null; then
        banner "is up at"
        # honcho stops every process when one exits: stay, quietly, until Ctrl-C.
        exec sleep infinity
    fi
    sleep 1
done
echo "ready: ${url}healthz did not answer within 2 minutes; see the web process above." >&2
exec sleep infinity
