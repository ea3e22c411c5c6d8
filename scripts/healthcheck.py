"""Container health check for the web service: GET /healthz on the local gunicorn, exit 0 on 200.

Sends the first ALLOWED_HOSTS entry as Host (so the check passes whatever hosts are configured)
and X-Forwarded-Proto: https (honoured only when SECURE_PROXY_SSL_HEADER=true, i.e. behind a TLS
proxy, so that HTTPS=true does not redirect the probe). Redirects are not followed.
Standard library only: python scripts/healthcheck.py [port]
"""

import http.client
import os
import sys


def main() -> int:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0].lstrip(".") if hosts and hosts[0] != "*" else "localhost"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        body = " ".join(response.read(300).decode(errors="replace").split())[:120]
    except OSError as exc:
        print(f"healthz: {exc}")
        return 1
    finally:
        conn.close()
    print(f"healthz: {response.status} {body}")
    return 0 if response.status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
