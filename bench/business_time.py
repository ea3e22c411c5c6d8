"""Micro-benchmark of the business-time calculator (appeals/business_time.py).

    python3 -m uv run python bench/business_time.py [--repeat 2000]

Pure Python, no database and no Django. Prints one JSON line per case: the median and 95th
percentile time of one call, in microseconds, with the cache of UTC-offset changes warm
(the steady state of a running server). One line measures that cache cold: the first call
that needs a zone's offset changes for a year it has not seen yet.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from appeals import business_time  # noqa: E402
from appeals.business_time import (  # noqa: E402
    CALENDAR_TIME,
    Calendar,
    Pause,
    WorkingHours,
    add_business_time,
    business_time_between,
    deadline_with_pauses,
    remaining,
)

LONDON = ZoneInfo("Europe/London")
LONDON_OFFICE = Calendar(
    time_zone="Europe/London",
    hours=tuple(
        WorkingHours(weekday, begin, end)
        for weekday in range(5)
        for begin, end in [(time(9), time(12)), (time(13), time(17, 30))]
    ),
    # Two years of English bank holidays, roughly: what a real calendar carries.
    holidays=frozenset(
        date(year, month, day)
        for year in (2026, 2027)
        for month, day in [(1, 1), (4, 3), (4, 6), (5, 4), (5, 25), (8, 31), (12, 25), (12, 28)]
    ),
)
ONE_HOUR_A_WEEK = Calendar(
    time_zone="Australia/Lord_Howe", hours=(WorkingHours(2, time(10), time(11)),)
)
WORKING_DAY = timedelta(hours=7, minutes=30)
START = datetime(2026, 3, 20, 15, 45, tzinfo=LONDON)  # a Friday before the clocks change
PAUSES = [
    Pause(start=START + timedelta(days=1), end=START + timedelta(days=3, hours=2)),
    Pause(start=START + timedelta(days=6), end=START + timedelta(days=8)),
    Pause(start=START + timedelta(days=12), end=START + timedelta(days=13)),
]


def time_calls(call: Callable[[], object], repeat: int) -> dict[str, float]:
    call()  # warm the offset-change cache
    samples = []
    for _ in range(repeat):
        began = clock.perf_counter_ns()
        call()
        samples.append((clock.perf_counter_ns() - began) / 1000)
    samples.sort()
    return {
        "median_us": round(statistics.median(samples), 2),
        "p95_us": round(samples[int(len(samples) * 0.95) - 1], 2),
        "n": repeat,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000, help="timed calls per case")
    repeat = parser.parse_args().repeat

    cases: list[tuple[str, Callable[[], object]]] = [
        (
            "add 3 business days (London office, lunch break, holidays, across DST)",
            lambda: add_business_time(START, 3 * WORKING_DAY, LONDON_OFFICE),
        ),
        (
            "add 30 business days (London office)",
            lambda: add_business_time(START, 30 * WORKING_DAY, LONDON_OFFICE),
        ),
        (
            "add 250 business days (London office, crosses a year)",
            lambda: add_business_time(START, 250 * WORKING_DAY, LONDON_OFFICE),
        ),
        (
            "add 90 days calendar time",
            lambda: add_business_time(START, timedelta(days=90), CALENDAR_TIME),
        ),
        (
            "add 52 working hours at one hour a week (Lord Howe, half-hour DST)",
            lambda: add_business_time(START, timedelta(hours=52), ONE_HOUR_A_WEEK),
        ),
        (
            "between over 30 days (London office)",
            lambda: business_time_between(START, START + timedelta(days=30), LONDON_OFFICE),
        ),
        (
            "deadline_with_pauses 10 business days, 3 pauses",
            lambda: deadline_with_pauses(START, 10 * WORKING_DAY, LONDON_OFFICE, PAUSES),
        ),
        (
            "remaining 10 business days, 3 pauses, 20 days in",
            lambda: remaining(
                START + timedelta(days=20), START, 10 * WORKING_DAY, LONDON_OFFICE, PAUSES
            ),
        ),
    ]
    for name, call in cases:
        print(json.dumps({"name": name, **time_calls(call, repeat)}), flush=True)

    cold_samples = []
    for year in range(2030, 2030 + min(repeat, 50)):
        began = clock.perf_counter_ns()
        add_business_time(datetime(year, 6, 1, tzinfo=UTC), 3 * WORKING_DAY, LONDON_OFFICE)
        cold_samples.append((clock.perf_counter_ns() - began) / 1000)
    print(
        json.dumps(
            {
                "name": "add 3 business days, offset changes of the year not cached yet",
                "median_us": round(statistics.median(cold_samples), 2),
                "n": len(cold_samples),
                "cache": business_time._offset_changes.cache_info()._asdict(),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
