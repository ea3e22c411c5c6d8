"""gunicorn settings read by every `gunicorn config.wsgi` started in this folder (make run's
Procfile.dev, the Dockerfile): command-line flags there set workers and binding; this file sets
the limits applied before a request reaches Django (README "Limits at the edge"), and the
worker model chosen from the load test in README "Faults and load" (bench/load.py): on 2 cores,
WORKERS processes of THREADS threads each. Pages spend part of their time waiting on
PostgreSQL, so a few threads per process keep the cores busy without the memory of more
processes; more processes than this only queue on the same two cores.

gunicorn has no cap on the body size: Django refuses over-size bodies on their Content-Length
before reading them (config/edge.py); a reverse proxy in front would add its own cap.
"""

import os

# The request line (method, path and query string): long enough for any of our URLs with
# filters, short enough that a megabyte-long URL is refused with 414 before Django sees it.
limit_request_line = 4094
# At most this many header fields, each at most this many bytes (cookies included): 431 past it.
limit_request_fields = 100
limit_request_field_size = 8190

workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# A request that takes longer than this is killed and logged (a stuck query, not a slow page).
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then (a slow leak never grows without bound), at staggered moments.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", None)
control_socket_disable = True
