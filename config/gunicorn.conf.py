"""gunicorn settings (`gunicorn -c config/gunicorn.conf.py config.wsgi`), chosen from the load
test in README "Faults and load" (bench/load.py): on 2 cores, WORKERS processes of THREADS
threads each. Pages spend part of their time waiting on PostgreSQL, so a few threads per process
keep the cores busy without the memory of more processes; more processes than this only queue
on the same two cores.
"""

import os

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
