"""Where the time of the reviewer, lead and freelancer pages goes, on a `seed_scale.py` database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_scale \
        python3 -m uv run python bench/profile_scale.py --out bench/out/profile-3m
    ... bench/profile_scale.py --page "queue page"       # only pages whose name contains this
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg/out.%p \
        .venv/bin/python bench/profile_scale.py --callgrind --repeat 5   # instructions

The same requests as `bench/pages_scale.py` (same personas, same URLs, in-process, DEBUG off).
The SQL of these pages is a few ms; the rest is this process's Python: views, forms, template
rendering, middleware. Two ways to see it, both independent of how loaded the shared machine is:

- cProfile (default): per page, 3 warm-ups, `--repeat` requests without the profiler for this
  process's CPU time per request (PostgreSQL's work is another process and not in it), then
  `--repeat` requests under cProfile: the function calls per request (deterministic for a page)
  and `<out>/<page>.txt`, the top functions by own time and by cumulative time.
- `--callgrind`, under `valgrind --tool=callgrind --instr-atstart=no`: per page, the warm-ups
  run uninstrumented, then the `--repeat` requests with instrumentation on (a client request
  from a small C helper compiled at run time, `bench/callgrind_marks.c`); the line gives the
  instructions this process executed per request (Ir), which do not depend on load at all.

One JSON line per page on stdout and in `<out>/profile.jsonl` (`<out>/callgrind.jsonl`).
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import io
import json
import pstats
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pages_scale import (
    DROP_SUMMARIES,
    REFRESH_SUMMARIES,
    build_pages,
    in_process,
    personas,
)
from support import emit

from appeals.operations import sla

BENCH = Path(__file__).resolve().parent


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def warm(send, after) -> None:
    for _ in range(3):
        send()
        if after:
            after()


def profile(name: str, send, after, *, repeat: int, out: Path, cpu_timer: bool) -> dict:
    warm(send, after)
    cpu = 0.0
    wall = 0.0
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        send()
        wall += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        if after:
            after()
    # With --cpu-timer the profile counts this process's CPU time, not wall time: on a shared
    # machine a wall-clock profile charges other processes' turns to whatever function ran.
    profiler = cProfile.Profile(time.process_time) if cpu_timer else cProfile.Profile()
    for _ in range(repeat):
        profiler.enable()
        send()
        profiler.disable()
        if after:
            after()
    stats = pstats.Stats(profiler)
    text = io.StringIO()
    stats.stream = text
    print(f"-- {name}: {repeat} requests\n", file=text)
    stats.sort_stats("tottime").print_stats(60)
    stats.sort_stats("cumulative").print_stats(80)
    path = out / f"{slug(name)}.txt"
    path.write_text(text.getvalue())
    profiler.dump_stats(out / f"{slug(name)}.prof")  # for pstats / snakeviz
    return {
        "name": name,
        "wall_ms": round(wall / repeat * 1000, 2),
        "cpu_ms": round(cpu / repeat * 1000, 2),
        "calls": round(stats.total_calls / repeat),
        "n": repeat,
        "profile": str(path.relative_to(out)),
    }


class Marks:
    """CALLGRIND_START/STOP_INSTRUMENTATION, ZERO and DUMP_STATS_AT, from a C helper."""

    def __init__(self) -> None:
        build = Path(tempfile.mkdtemp(prefix="callgrind-marks-"))
        library = build / "marks.so"
        subprocess.run(
            ["cc", "-O1", "-shared", "-fPIC", "-o", str(library), str(BENCH / "callgrind_marks.c")],
            check=True,
        )
        self.lib = ctypes.CDLL(str(library))
        self.lib.marks_stop.argtypes = [ctypes.c_char_p]

    def start(self) -> None:
        self.lib.marks_start()

    def stop(self, name: str) -> None:
        self.lib.marks_stop(name.encode())


def count_instructions(name: str, send, after, *, repeat: int, marks: Marks) -> dict:
    warm(send, after)
    for _ in range(repeat):
        # The undo of a claim runs outside the measured span.
        marks.start()
        send()
        marks.stop(slug(name))
        if after:
            after()
    return {"name": name, "n": repeat}


def instructions_from_dumps(directory: Path) -> dict[str, list[int]]:
    """Ir of each dump callgrind wrote (`desc: Trigger: Client Request: <page>`), per page."""
    per_page: dict[str, list[int]] = {}
    for path in directory.iterdir():
        text = path.read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: Client Request: (\S+)", text, re.M)
        totals = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
        if trigger and totals:
            per_page.setdefault(trigger.group(1), []).append(int(totals.group(1)))
    return per_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--page", action="append", default=[], help="name contains (repeatable)")
    parser.add_argument("--out", type=Path, default=BENCH / "out" / "profile-scale")
    parser.add_argument("--callgrind", action="store_true", help="under valgrind: count Ir")
    parser.add_argument(
        "--cpu-timer", action="store_true", help="cProfile with process CPU time, not wall time"
    )
    parser.add_argument(
        "--dumps", type=Path, help="callgrind's output directory (--callgrind-out-file's)"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    lines = args.out / ("callgrind.jsonl" if args.callgrind else "profile.jsonl")
    lines.unlink(missing_ok=True)
    marks = Marks() if args.callgrind else None
    people = personas()
    rows = []
    with in_process():
        for name, send, after in build_pages(**people):
            if name == DROP_SUMMARIES:
                continue
            if name == REFRESH_SUMMARIES:
                sla.refresh_queue_summaries()
                continue
            if name == "lead dashboard, deadline figures computed":
                continue  # its SQL is what bounds it, not Python: pages_scale.py times it
            if args.page and not any(part in name for part in args.page):
                continue
            if marks is None:
                row = profile(
                    name, send, after, repeat=args.repeat, out=args.out, cpu_timer=args.cpu_timer
                )
                emit(**row)
            else:
                row = count_instructions(name, send, after, repeat=args.repeat, marks=marks)
            rows.append(row)
    if marks is not None:
        dumps = instructions_from_dumps(args.dumps) if args.dumps else {}
        for row in rows:
            counts = dumps.get(slug(row["name"]), [])
            if counts:
                counts.sort()
                row["instructions_per_request_median"] = counts[len(counts) // 2]
                row["instructions_per_request_min"] = counts[0]
                row["dumps"] = len(counts)
            emit(**row)
    with lines.open("w") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    sys.exit(main())
