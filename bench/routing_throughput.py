"""Routings per second of one Celery worker: a backlog of filed appeals, then a worker drains it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_crash \
        REDIS_URL=redis://127.0.0.1:6379/12 python3 -m uv run python bench/routing_throughput.py

For each `--concurrency` (default 1 and 2): files `--appeals` appeals through `file_appeal`
while no worker runs (each commits and enqueues its `route_appeal` message, as a web request
does; the people and demo catalogue as in `crash_routing.py`, whose set-up this reuses), then
starts `celery -A config worker` (prefork, prefetch 1) and times from the first appeal routed to
the last, so the worker's start-up is not counted. One JSON line per concurrency: appeals,
seconds, routings per second, the load average.
"""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import time
import uuid
from pathlib import Path

import crash_routing  # noqa: F401  (sets the environment and Django up, as its own run does)
from crash_routing import prepare, routed, start_worker, stop_worker
from support import emit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appeals", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    for concurrency in args.concurrency:
        run = uuid.uuid4().hex[:8]
        appeal_ids, _reviewers = prepare(run, args.appeals)
        log = Path(tempfile.gettempdir()) / f"routing_throughput-{run}.log"
        worker = start_worker(log, concurrency)
        try:
            while routed(appeal_ids) == 0 and worker.poll() is None:
                time.sleep(0.005)
            first = time.perf_counter()
            deadline = first + 600
            while routed(appeal_ids) < len(appeal_ids) and time.perf_counter() < deadline:
                time.sleep(0.05)
            seconds = time.perf_counter() - first
        finally:
            stop_worker(worker, signal.SIGTERM)
        done = routed(appeal_ids)
        emit(
            name="routing_throughput",
            concurrency=concurrency,
            appeals=len(appeal_ids),
            routed=done,
            seconds=round(seconds, 2),
            routings_per_second=round((done - 1) / seconds, 1) if seconds else None,
            load_average=round(os.getloadavg()[0], 2),
            worker_log=str(log),
        )


if __name__ == "__main__":
    main()
